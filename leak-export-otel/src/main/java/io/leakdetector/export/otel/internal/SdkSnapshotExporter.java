package io.leakdetector.export.otel.internal;

import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;

/**
 * The {@code otel} exporter: its own SDK, started at the first snapshot (the resource names the
 * traced process, which is known only then), and one export per snapshot.
 *
 * <p>Each snapshot is recorded and then pushed at once by a forced flush of the SDK's metric
 * readers, on the session's reporting thread (never the source's), waiting at most the exporter's
 * timeout plus a margin. So every LeakDetector interval produces one export; the SDK's periodic
 * reader still exports the latest values every {@code OTEL_METRIC_EXPORT_INTERVAL} as well, which
 * keeps series fresh when the interval is long. The periodic reader and the OTLP sender run on
 * threads of the session's factory ({@link #threadFactory}), which a session tracing its own JVM
 * excludes. A failed export is one warning sentence on the {@link System.Logger} {@value #LOGGER}
 * and the session goes on; the next snapshot tries again.
 */
final class SdkSnapshotExporter implements SnapshotExporter {
  /** The logger of this module's warnings. */
  static final String LOGGER = "io.leakdetector.export.otel";

  private static final System.Logger LOG = System.getLogger(LOGGER);

  private final OtelOptions options;
  private final Map<String, String> overrides;
  private final List<MetricReader> extraReaders;
  private ThreadFactory threads = ExportThreads.daemonThreads();
  private OtelSdk sdk;
  private boolean off;

  SdkSnapshotExporter(
      OtelOptions options, Map<String, String> overrides, List<MetricReader> extraReaders) {
    this.options = options;
    this.overrides = Map.copyOf(overrides);
    this.extraReaders = List.copyOf(extraReaders);
  }

  /** The SDK's periodic reader, OTLP sender and Prometheus endpoint run on threads of this. */
  @Override
  public synchronized void threadFactory(ThreadFactory factory) {
    threads = factory;
  }

  @Override
  public synchronized void export(LeakSnapshot snapshot) {
    if (off) {
      return;
    }
    if (sdk == null) {
      try {
        sdk =
            OtelSdk.start(
                options, snapshot.target(), overrides, extraReaders, new ExportThreads(threads));
      } catch (RuntimeException e) {
        off = true;
        LOG.log(
            Level.WARNING,
            "OpenTelemetry export is off because the SDK could not start ("
                + startFailure(e)
                + ").");
        return;
      }
    }
    sdk.exporter().export(snapshot);
    String failure;
    try {
      failure = sdk.flush();
    } catch (RuntimeException e) { // never let the SDK end the session
      failure = "failed (" + ExportFailures.reason(e) + ")";
    }
    if (failure != null) {
      LOG.log(Level.WARNING, "the OpenTelemetry export " + failure + "; tracing goes on.");
    }
  }

  private static String startFailure(RuntimeException e) {
    if (e instanceof ConfigurationException && e.getMessage() != null) {
      return e.getMessage();
    }
    return ExportFailures.reason(e);
  }

  @Override
  public synchronized void close() {
    off = true;
    if (sdk != null) {
      sdk.close();
      sdk = null;
    }
  }
}
