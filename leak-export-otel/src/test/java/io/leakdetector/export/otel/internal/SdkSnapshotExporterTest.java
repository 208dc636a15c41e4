package io.leakdetector.export.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.LeakMetrics;
import io.leakdetector.export.otel.testkit.AnsweringEndpoint;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.export.otel.testkit.LogCapture;
import io.leakdetector.spi.ExporterContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code otel} exporter's own SDK, read back through an in-memory reader. */
class SdkSnapshotExporterTest {
  private static final TargetProcess TARGET = new TargetProcess(31337, "demo");

  /** What the exporter logged during {@link #exportOnce}. */
  private List<String> warnings = List.of();

  private List<MetricData> exportOnce(Map<String, String> overrides) throws Exception {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    Map<String, String> properties = new HashMap<>(overrides);
    properties.putIfAbsent("otel.metrics.exporter", "none"); // no push in these tests
    try (LogCapture log = LogCapture.start()) {
      SnapshotExporter exporter =
          OtelExporterProvider.create(
              new ExporterContext(System.out, Map.of()), properties, List.of(reader));
      try {
        exporter.export(KnownSnapshots.first(TARGET));
        return List.copyOf(reader.collectAllMetrics());
      } finally {
        exporter.close();
        warnings =
            log.records().stream()
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage())
                .toList();
      }
    }
  }

  private static Resource resourceOf(List<MetricData> metrics) {
    assertThat(metrics).isNotEmpty();
    return metrics.get(0).getResource();
  }

  @Test
  void theResourceNamesTheTracedProcessAndThisHost() throws Exception {
    Resource resource = resourceOf(exportOnce(Map.of()));

    assertThat(resource.getAttribute(AttributeKey.longKey("process.pid"))).isEqualTo(31337L);
    assertThat(resource.getAttribute(AttributeKey.stringKey("process.executable.name")))
        .isEqualTo("demo");
    assertThat(resource.getAttribute(AttributeKey.stringKey("host.name")))
        .isEqualTo(OtelSdk.hostName())
        .isNotBlank();
    assertThat(resource.getAttribute(AttributeKey.stringKey("service.name")))
        .isEqualTo("leakdetector");
    assertThat(resource.getAttribute(AttributeKey.stringKey("telemetry.sdk.language")))
        .isEqualTo("java");
  }

  @Test
  void theOtlpExportersOwnTelemetryIsNotAmongTheMetrics() throws Exception {
    // The exporter reports its own telemetry to a private reader (for the HTTP status of a failed
    // export), not to the SDK that exports LeakDetector's metrics.
    try (AnsweringEndpoint receiver = AnsweringEndpoint.answering(200, "")) {
      List<MetricData> metrics =
          exportOnce(
              Map.of(
                  "otel.metrics.exporter",
                  "otlp",
                  "otel.exporter.otlp.endpoint",
                  receiver.baseUrl()));

      assertThat(receiver.requests()).isNotEmpty();
      assertThat(metrics)
          .extracting(MetricData::getName)
          .contains(LeakMetrics.OUTSTANDING_BYTES)
          .allSatisfy(name -> assertThat(name).startsWith("leak."));
      assertThat(warnings).isEmpty();
    }
  }

  @Test
  void theHostNameIsWhatHostnamePrints() throws Exception {
    Process hostname = new ProcessBuilder("hostname").redirectErrorStream(true).start();
    String printed = new String(hostname.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(hostname.waitFor()).isZero();

    assertThat(OtelSdk.hostName()).isEqualTo(printed.strip());
  }

  @Test
  void otelServiceNameWins() throws Exception {
    Resource resource = resourceOf(exportOnce(Map.of("otel.service.name", "payments-leaks")));

    assertThat(resource.getAttribute(AttributeKey.stringKey("service.name")))
        .isEqualTo("payments-leaks");
  }

  @Test
  void otelResourceAttributesAreKeptAndWin() throws Exception {
    Resource resource =
        resourceOf(
            exportOnce(
                Map.of(
                    "otel.resource.attributes",
                    "service.name=from-attributes,deployment.environment.name=ci")));

    assertThat(resource.getAttribute(AttributeKey.stringKey("service.name")))
        .isEqualTo("from-attributes");
    assertThat(resource.getAttribute(AttributeKey.stringKey("deployment.environment.name")))
        .isEqualTo("ci");
    assertThat(resource.getAttribute(AttributeKey.longKey("process.pid"))).isEqualTo(31337L);
  }

  @Test
  void recordsTheSnapshotWithoutWarnings() throws Exception {
    List<MetricData> metrics = exportOnce(Map.of());

    assertThat(metrics)
        .extracting(MetricData::getName)
        .contains(
            LeakMetrics.STACK_OUTSTANDING_BYTES,
            LeakMetrics.ALLOCATIONS,
            LeakMetrics.OUTSTANDING_BYTES);
    assertThat(warnings).isEmpty();
  }

  @Test
  void aConfigurationTheSdkRejectsTurnsTheExportOffWithOneSentence() throws Exception {
    List<MetricData> metrics = exportOnce(Map.of("otel.metrics.exporter", "no-such-exporter"));

    assertThat(metrics).isEmpty();
    assertThat(warnings)
        .singleElement()
        .asString()
        .startsWith(
            "WARNING io.leakdetector.export.otel: OpenTelemetry export is off because the SDK"
                + " could not start (")
        .contains("no-such-exporter")
        .endsWith(").")
        .doesNotContain("\n");
  }
}
