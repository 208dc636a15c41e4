package io.leakdetector.export.otel.internal;

import io.opentelemetry.exporter.internal.FailedExportException;
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
   * The loggers the SDK writes a failed export to (with a stack trace, on every attempt). The
   * session prints one sentence per interval instead. Held here so that their level sticks.
   */
  private static final List<Logger> QUIETED = new ArrayList<>();

  /** Logger names and the level each gets: export failures off, autoconfigure's notes too. */
  private static final Map<String, Level> QUIET_LEVELS =
      Map.of(
          "io.opentelemetry.exporter.otlp.internal.HttpExporter",
          Level.OFF,
          "io.opentelemetry.exporter.otlp.internal.GrpcExporter",
          Level.OFF,
          "io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSender",
          Level.OFF,
          "io.opentelemetry.sdk.metrics.export.PeriodicMetricReader",
          Level.OFF,
          // Says "Error encountered during autoconfiguration" at INFO before the exception that
          // the exporter reports in its own sentence; its warnings still show.
          "io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder",
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

  /** Why an export failed, in a few words ({@code connection refused}, {@code HTTP 404}). */
  static String reason(Throwable throwable) {
    if (throwable == null) {
      return "no reason given";
    }
    if (throwable instanceof FailedExportException.HttpExportException http
        && http.getResponse() != null) {
      return "HTTP " + http.getResponse().getStatusCode();
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
