package io.leakdetector.export.otel.internal;

import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Turns an export failure into a few words, and keeps the SDK's own failure logs quiet. */
final class ExportFailures {
  private ExportFailures() {}

  /**
   * The namespace of OpenTelemetry's exporters and their HTTP senders. The OTLP exporter logs a
   * failed export (with a stack trace, on every attempt) and its sender logs retries and failures
   * under it; the session logs one sentence per interval instead.
   */
  static final String EXPORTER_NAMESPACE = "io.opentelemetry.exporter";

  /**
   * The loggers quieted, held here so that their level sticks (java.util.logging keeps loggers only
   * weakly).
   */
  private static final List<Logger> QUIETED = new ArrayList<>();

  /**
   * Logger names and the level each gets: the exporters' namespace off; the periodic reader, which
   * says "Exporter failed" after each failed export, off; autoconfigure at WARNING (it says "Error
   * encountered during autoconfiguration" at INFO before the exception that the exporter reports in
   * its own sentence). The last two are public classes, named through their classes.
   */
  private static final Map<String, Level> QUIET_LEVELS =
      Map.of(
          EXPORTER_NAMESPACE,
          Level.OFF,
          PeriodicMetricReader.class.getName(),
          Level.OFF,
          AutoConfiguredOpenTelemetrySdkBuilder.class.getName(),
          Level.WARNING);

  /** Quiets the SDK's export-failure loggers, unless the program configured their level itself. */
  static synchronized void quietSdkLogs() {
    if (!QUIETED.isEmpty()) {
      return;
    }
    QUIET_LEVELS.forEach(
        (name, level) -> {
          Logger logger = Logger.getLogger(name);
          if (logger.getLevel() == null) {
            logger.setLevel(level);
          }
          QUIETED.add(logger);
        });
  }

  /**
   * Why an export failed without an HTTP answer, in a few words ({@code cannot connect}, {@code
   * timed out}), from the failure's chain of causes. (An HTTP status is read from the exporter's
   * own telemetry: {@link ExportStatusReader}.)
   */
  static String reason(Throwable throwable) {
    if (throwable == null) {
      return "no reason given";
    }
    Throwable cause = throwable;
    for (int depth = 0; depth < 10; depth++) {
      if (cause instanceof ConnectException) {
        return "cannot connect" + detail(cause);
      }
      if (cause instanceof HttpTimeoutException) {
        return "timed out";
      }
      if (cause instanceof UnknownHostException) {
        return "unknown host" + detail(cause);
      }
      if (cause.getCause() == null || cause.getCause() == cause) {
        break;
      }
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null || message.isBlank()
        ? cause.getClass().getSimpleName()
        : cause.getClass().getSimpleName() + ": " + firstLine(message);
  }

  private static String detail(Throwable cause) {
    String message = cause.getMessage();
    return message == null || message.isBlank() ? "" : ": " + firstLine(message);
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return (newline < 0 ? text : text.substring(0, newline)).strip();
  }
}
