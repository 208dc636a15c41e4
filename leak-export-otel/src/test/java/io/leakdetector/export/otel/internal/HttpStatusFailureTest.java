package io.leakdetector.export.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.AnsweringEndpoint;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.export.otel.testkit.LogCapture;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporters;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A receiver that answers with an error status: the warning names the endpoint and the status, once
 * per interval, and OpenTelemetry's own loggers say nothing. The status comes from the exporter's
 * own telemetry (public API), not from OpenTelemetry's internal exception type.
 */
class HttpStatusFailureTest {
  private static final TargetProcess TARGET = new TargetProcess(4242, "demo");

  @ParameterizedTest
  @CsvSource({
    "503, ''", // overloaded, no body
    "400, 'bad request: not OTLP'", // refused, with a body the exporter would log
    "404, ''", // a wrong path
  })
  void theWarningNamesTheEndpointAndTheStatusOncePerInterval(int status, String body)
      throws Exception {
    try (AnsweringEndpoint receiver = AnsweringEndpoint.answering(status, body);
        LogCapture log = LogCapture.start()) {
      try (SnapshotExporter exporter =
          SnapshotExporters.create(
              "otel",
              new ExporterContext(System.out, Map.of("otel.endpoint", receiver.baseUrl())))) {
        exporter.export(KnownSnapshots.first(TARGET));
        exporter.export(KnownSnapshots.first(TARGET));
      }

      String sentence =
          "the OpenTelemetry export to "
              + receiver.baseUrl()
              + "/v1/metrics failed (HTTP "
              + status
              + "); tracing goes on.";
      // The two intervals; closing exports once more (a last time), which fails silently.
      assertThat(log.messages(SdkSnapshotExporter.LOGGER))
          .as(log.describe())
          .containsExactly(sentence, sentence);
      assertThat(log.under("io.opentelemetry")).as(log.describe()).isEmpty();
      assertThat(log.records()).as(log.describe()).hasSize(2);
      // One request per export: no retries; the OTLP protobuf request reached the server.
      assertThat(receiver.requests())
          .hasSize(3)
          .containsOnly("POST /v1/metrics application/x-protobuf");
    }
  }

  @ParameterizedTest
  @CsvSource({"200", "202"})
  void anAcceptedExportSaysNothing(int status) throws Exception {
    try (AnsweringEndpoint receiver = AnsweringEndpoint.answering(status, "");
        LogCapture log = LogCapture.start()) {
      try (SnapshotExporter exporter =
          SnapshotExporters.create(
              "otel",
              new ExporterContext(System.out, Map.of("otel.endpoint", receiver.baseUrl())))) {
        exporter.export(KnownSnapshots.first(TARGET));
      }
      assertThat(log.records()).as(log.describe()).isEqualTo(Collections.emptyList());
      assertThat(receiver.requests()).hasSize(2); // the interval's and the last one on close
    }
  }
}
