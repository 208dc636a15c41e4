package io.leakdetector.export.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.export.otel.testkit.LogCapture;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporterProvider;
import io.leakdetector.spi.SnapshotExporters;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OtelExporterProviderTest {

  private static ExporterContext context(Map<String, String> options) {
    return new ExporterContext(System.out, options);
  }

  @Test
  void isFoundByNameThroughServiceLoader() throws Exception {
    assertThat(SnapshotExporters.providers())
        .extracting(SnapshotExporterProvider::name)
        .contains("otel");
    assertThat(SnapshotExporters.providers())
        .filteredOn(provider -> provider.name().equals("otel"))
        .singleElement()
        .satisfies(provider -> assertThat(provider.description()).isNotBlank());

    try (SnapshotExporter exporter =
        SnapshotExporters.create("otel", context(Map.of("otel.endpoint", "http://127.0.0.1:1")))) {
      assertThat(exporter).isInstanceOf(SdkSnapshotExporter.class);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://collector:4318", "collector:4318", "http://", "http://h/?a=b"})
  void aBadEndpointIsOneSentence(String endpoint) {
    assertUsage(Map.of("otel.endpoint", endpoint), "The OpenTelemetry endpoint '" + endpoint);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "0", "-1", "65536", "9464x"})
  void aBadPrometheusPortIsOneSentence(String port) {
    assertUsage(
        Map.of("prometheus.port", port),
        "The Prometheus port '" + port + "' is not a number from 1 to 65535.");
  }

  @Test
  void aPrometheusHostNeedsAPort() {
    assertUsage(Map.of("prometheus.host", "0.0.0.0"), "--prometheus-host needs --prometheus-port.");
  }

  @Test
  void aTakenPrometheusPortIsOneSentence() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());
      assertUsage(
          Map.of("prometheus.port", port), "Cannot serve Prometheus metrics on 127.0.0.1:" + port);
    }
  }

  @Test
  void anUnsupportedOtlpProtocolIsOneSentence() {
    assertThatThrownBy(
            () ->
                OtelExporterProvider.create(
                    context(Map.of()), Map.of("otel.exporter.otlp.protocol", "grpc"), List.of()))
        .isInstanceOfSatisfying(
            LeakDetectorException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(LeakDetectorException.Kind.USAGE);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "The OTLP protocol 'grpc' is not supported; LeakDetector sends metrics"
                          + " over http/protobuf only.");
            });
  }

  @Test
  void theProtocolDoesNotMatterWhenOtlpIsOff() throws Exception {
    // With OTLP on, grpc is refused (above) or fails the SDK's start, which is a warning; with
    // the metrics exporter off the exporter is created, exports and closes without one.
    try (LogCapture log = LogCapture.start()) {
      try (SnapshotExporter exporter =
          OtelExporterProvider.create(
              context(Map.of()),
              Map.of("otel.exporter.otlp.protocol", "grpc", "otel.metrics.exporter", "none"),
              List.of())) {
        exporter.export(KnownSnapshots.first(new TargetProcess(4242, "demo")));
      }
      assertThat(log.records()).as(log.describe()).isEmpty();
    }
  }

  private static void assertUsage(Map<String, String> options, String messageStart) {
    assertThatThrownBy(() -> SnapshotExporters.create("otel", context(options)))
        .isInstanceOfSatisfying(
            LeakDetectorException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(LeakDetectorException.Kind.USAGE);
              assertThat(e.getMessage())
                  .startsWith(messageStart)
                  .endsWith(".")
                  .doesNotContain("\n");
            });
  }
}
