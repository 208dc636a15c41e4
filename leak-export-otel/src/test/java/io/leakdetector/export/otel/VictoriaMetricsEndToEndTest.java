package io.leakdetector.export.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.export.otel.testkit.LogCapture;
import io.leakdetector.export.otel.testkit.VictoriaMetrics;
import io.leakdetector.export.otel.testkit.VictoriaMetrics.Sample;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code otel} exporter, created by name as the command line does, pushes over OTLP to a real
 * VictoriaMetrics; the test reads the values back through VictoriaMetrics' own query API.
 */
class VictoriaMetricsEndToEndTest {
  private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(15);

  private VictoriaMetrics backend;

  /** A pid no other run used, so that this run's series are told apart from earlier ones. */
  private long pid;

  @BeforeEach
  void setUp() {
    backend = VictoriaMetrics.fromEnvironment();
    pid = 5_000_000 + ThreadLocalRandom.current().nextInt(1_000_000_000);
  }

  private String series(String metric) {
    return metric + "{process_pid=\"" + pid + "\"}";
  }

  @Test
  void theTopStackAndTheTotalsArriveWithTheirExactValues() throws Exception {
    TargetProcess target = new TargetProcess(pid, "demo");
    String printedOrLogged =
        exportAndClose(
            Map.of("otel.endpoint", backend.otlpEndpoint()), List.of(KnownSnapshots.first(target)));
    assertThat(printedOrLogged).isEmpty();

    List<Sample> stacks =
        backend.await(
            series("leak_stack_outstanding_bytes"), samples -> samples.size() == 2, VISIBLE_WITHIN);
    assertThat(stacks).hasSize(2);
    Sample top =
        stacks.stream()
            .filter(sample -> "7".equals(sample.label("leak_stack_id")))
            .findFirst()
            .orElseThrow();
    assertThat(top.value()).isEqualTo("40960");
    assertThat(top.label("leak_stack_top_frame")).isEqualTo("demo!leak_a+0x1A");
    assertThat(top.label("service_name")).isEqualTo("leakdetector");
    assertThat(top.label("process_executable_name")).isEqualTo("demo");
    assertThat(top.label("host_name")).isEqualTo(hostname());

    assertValue("leak_stack_outstanding_allocations{leak_stack_id=\"7\"", "10");
    assertValue("leak_allocations_total", "120");
    assertValue("leak_frees_total", "20");
    assertValue("leak_allocated_bytes_total", "50000");
    assertValue("leak_freed_bytes_total", "8000");
    assertValue("leak_outstanding_bytes", "42000");
    assertValue("leak_outstanding_allocations", "100");
    assertValue("leak_stacks", "2");
    assertValue("leak_lost_events_total", "3");
    assertValue("leak_unmatched_frees_total", "4");
    assertValue("leak_dropped_allocations_total", "0");
  }

  @Test
  void aPathTheRealBackendRefusesIsNamedWithTheStatusItAnswered() throws Exception {
    // VictoriaMetrics answers an OTLP push to a path it does not serve with an error status; the
    // warning names exactly that status (asked here first with a plain POST), once per interval.
    String endpoint = backend.otlpEndpoint() + "/no-such-receiver";
    String metricsUrl = endpoint + "/v1/metrics";
    HttpURLConnection post = (HttpURLConnection) URI.create(metricsUrl).toURL().openConnection();
    post.setRequestMethod("POST");
    post.setDoOutput(true);
    post.setRequestProperty("Content-Type", "application/x-protobuf");
    post.getOutputStream().close();
    int status = post.getResponseCode();
    post.disconnect();
    assertThat(status).isBetween(400, 599);

    TargetProcess target = new TargetProcess(pid, "demo");
    String printedOrLogged =
        exportAndClose(
            Map.of("otel.endpoint", endpoint),
            List.of(KnownSnapshots.first(target), KnownSnapshots.first(target)));

    String warning =
        "WARNING io.leakdetector.export.otel: the OpenTelemetry export to "
            + metricsUrl
            + " failed (HTTP "
            + status
            + "); tracing goes on.";
    assertThat(printedOrLogged.lines()).containsExactly(warning, warning);
  }

  private static String hostname() throws Exception {
    Process hostname = new ProcessBuilder("hostname").redirectErrorStream(true).start();
    String printed = new String(hostname.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(hostname.waitFor()).isZero();
    return printed.strip();
  }

  /** Queries {@code metric} (optionally with an open label set) of this run's pid. */
  private void assertValue(String metric, String value) throws Exception {
    String query =
        metric.endsWith("\"") ? metric + ",process_pid=\"" + pid + "\"}" : series(metric);
    List<Sample> samples = backend.awaitAny(query, VISIBLE_WITHIN);
    assertThat(samples)
        .as(query)
        .singleElement()
        .satisfies(s -> assertThat(s.value()).isEqualTo(value));
  }

  /**
   * Exports the snapshots through the provider found by name and returns what went to stderr and
   * what was logged (one {@code LEVEL logger: message} line per record).
   */
  static String exportAndClose(
      Map<String, String> options, List<io.leakdetector.LeakSnapshot> snapshots) throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (LogCapture log = LogCapture.start()) {
      try (SnapshotExporter exporter =
          SnapshotExporters.create("otel", new ExporterContext(System.out, options))) {
        snapshots.forEach(exporter::export);
      } finally {
        System.setErr(originalErr);
      }
      return captured.toString(StandardCharsets.UTF_8) + log.describe();
    }
  }
}
