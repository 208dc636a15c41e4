package io.leakdetector.export.otel.internal;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporterProvider;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

/**
 * The {@code otel} exporter: OpenTelemetry metrics over OTLP (configured through SDK autoconfigure
 * and the {@code otel.endpoint} option) and, with the {@code prometheus.port} option, a Prometheus
 * pull endpoint.
 */
public final class OtelExporterProvider implements SnapshotExporterProvider {

  @Override
  public String name() {
    return "otel";
  }

  @Override
  public String description() {
    return "OpenTelemetry metrics: OTLP push (OTEL_* settings, --otel-endpoint) and an optional"
        + " Prometheus endpoint (--prometheus-port).";
  }

  @Override
  public SnapshotExporter create(ExporterContext context) throws LeakDetectorException {
    return create(context, Map.of(), List.of());
  }

  /**
   * Checks what can be checked before the session starts, so that a mistake is one sentence and not
   * a warning at the first interval.
   *
   * @param overrides SDK properties that win over everything (tests use them)
   * @param extraReaders metric readers registered besides the configured ones (tests use them)
   */
  static SnapshotExporter create(
      ExporterContext context, Map<String, String> overrides, List<MetricReader> extraReaders)
      throws LeakDetectorException {
    OtelOptions options = OtelOptions.parse(context);
    OtelProperties properties = new OtelProperties(overrides);
    if (properties.otlpMetricsExporter() || options.endpoint() != null) {
      String protocol = properties.metricsProtocol();
      if (!protocol.equals(OtelSdk.DEFAULT_PROTOCOL)) {
        throw new LeakDetectorException(
            LeakDetectorException.Kind.USAGE,
            "The OTLP protocol '"
                + protocol
                + "' is not supported; LeakDetector sends metrics over http/protobuf only.");
      }
    }
    if (options.prometheus()) {
      checkPortFree(options);
    }
    return new SdkSnapshotExporter(options, overrides, extraReaders);
  }

  private static void checkPortFree(OtelOptions options) throws LeakDetectorException {
    InetSocketAddress address =
        new InetSocketAddress(options.prometheusHost(), options.prometheusPort());
    if (address.isUnresolved()) {
      throw new LeakDetectorException(
          LeakDetectorException.Kind.USAGE,
          "The Prometheus host '" + options.prometheusHost() + "' is not a known address.");
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(address);
    } catch (IOException e) {
      throw new LeakDetectorException(
          LeakDetectorException.Kind.USAGE,
          "Cannot serve Prometheus metrics on "
              + options.prometheusHost()
              + ":"
              + options.prometheusPort()
              + " ("
              + e.getMessage()
              + "); choose another --prometheus-port.",
          e);
    }
  }
}
