package io.leakdetector.export.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.export.otel.testkit.LogCapture;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * An endpoint nobody answers on: one warning per interval on the module's logger, nothing from
 * OpenTelemetry's own loggers, nothing printed, no exception; tracing goes on.
 */
class UnreachableEndpointTest {
  private static final TargetProcess TARGET = new TargetProcess(4242, "demo");

  /** A generous bound, only to catch an export that hangs or retries for long. */
  private static final Duration PROMPT = Duration.ofSeconds(30);

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aClosedPortGivesOneWarningPerInterval() throws Exception {
    String endpoint = "http://127.0.0.1:" + closedPort();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    long start = System.nanoTime();
    System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try (LogCapture log = LogCapture.start()) {
      try (SnapshotExporter exporter =
          SnapshotExporters.create(
              "otel", new ExporterContext(System.out, Map.of("otel.endpoint", endpoint)))) {
        for (int interval = 1; interval <= 3; interval++) {
          exporter.export(KnownSnapshots.first(TARGET));
        }
      } finally {
        System.setErr(originalErr);
      }

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
      assertThat(log.records())
          .as(log.describe())
          .hasSize(3)
          .allSatisfy(r -> assertThat(r.getLevel()).isEqualTo(Level.WARNING))
          .allSatisfy(r -> assertThat(r.getLoggerName()).isEqualTo(SdkSnapshotExporter.LOGGER));
      assertThat(log.messages(SdkSnapshotExporter.LOGGER))
          .allSatisfy(
              message ->
                  assertThat(message)
                      .isEqualTo(
                          "the OpenTelemetry export to "
                              + endpoint
                              + "/v1/metrics failed (cannot connect); tracing goes on."));
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aServerThatNeverAnswersIsGivenUpAfterTheTimeout() throws Exception {
    // The kernel accepts the connection into the backlog; nobody ever reads or answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        LogCapture log = LogCapture.start()) {
      String endpoint = "http://127.0.0.1:" + silent.getLocalPort();
      long start = System.nanoTime();
      try (SnapshotExporter exporter =
          OtelExporterProvider.create(
              new ExporterContext(System.out, Map.of("otel.endpoint", endpoint)),
              Map.of("otel.exporter.otlp.timeout", "500"),
              List.of())) {
        exporter.export(KnownSnapshots.first(TARGET));
        exporter.export(KnownSnapshots.first(TARGET));
      }

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
      assertThat(log.records()).as(log.describe()).hasSize(2);
      assertThat(log.messages(SdkSnapshotExporter.LOGGER))
          .hasSize(2)
          .allSatisfy(
              message ->
                  assertThat(message)
                      .startsWith("the OpenTelemetry export to " + endpoint + "/v1/metrics ")
                      .endsWith("; tracing goes on."));
    }
  }
}
