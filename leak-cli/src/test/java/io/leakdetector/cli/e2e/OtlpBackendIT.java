package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.e2e.TextReports.Report;
import io.leakdetector.cli.e2e.TextReports.Stack;
import io.leakdetector.export.otel.testkit.VictoriaMetrics;
import io.leakdetector.export.otel.testkit.VictoriaMetrics.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenTelemetry end to end: the command line traces the demo with {@code --otel-endpoint} pointing
 * at a real VictoriaMetrics ({@code bash .ci/victoria-metrics.sh start}, found through {@code
 * LEAKDETECTOR_OTLP_BACKEND}); the test reads the values back through VictoriaMetrics' own query
 * API.
 */
class OtlpBackendIT {
  private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(20);

  @TempDir Path dir;
  private VictoriaMetrics backend;

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
    backend = VictoriaMetrics.fromEnvironment();
  }

  @Test
  void theBackendHasTheTopStackAndTheTotalsWithTheDemosExactValues() throws Exception {
    // A label of this run only (set the standard way, OTEL_RESOURCE_ATTRIBUTES), so that series
    // of an earlier run whose demo had the same pid cannot answer the queries.
    String run = UUID.randomUUID().toString();
    Map<String, String> env = Map.of("OTEL_RESOURCE_ATTRIBUTES", "leakdetector.test.run=" + run);
    try (DemoProcess demo =
            DemoProcess.start(
                dir, "--rounds", "2", "--delay-ms", "0", "--wait-for-signal", "--hold");
        Tool tool =
            Tool.start(
                dir,
                env,
                "-p",
                Long.toString(demo.pid()),
                "-i",
                "1",
                "-c",
                "3",
                "--otel-endpoint",
                backend.otlpEndpoint())) {
      tool.awaitTracing("uprobes");
      demo.signal("USR1");
      Tool.Finished finished = tool.awaitExit(60);
      assertThat(finished.exitCode()).as(finished.err()).isZero();
      assertThat(finished.err()).doesNotContain("OpenTelemetry").doesNotContain("Exception");
      List<Report> reports = TextReports.parse(finished.out());
      assertThat(reports).hasSize(3);
      reports.forEach(report -> DemoRounds.assertExact(report, 2));
      String fixedFrame = innermostFrame(reports.get(2), "leak_fixed_blocks");

      String selector =
          "{process_pid=\"" + demo.pid() + "\",leakdetector_test_run=\"" + run + "\"}";
      List<Sample> stacks =
          backend.await(DemoMetrics.STACK_BYTES + selector, s -> s.size() == 4, VISIBLE_WITHIN);
      assertThat(stacks).as("one series per stack holding memory").hasSize(4);
      Sample top = stacks.stream().max(Comparator.comparingLong(s -> value(s))).orElseThrow();
      assertThat(top.label(DemoMetrics.TOP_FRAME))
          .startsWith("demo!leak_fixed_blocks+0x")
          .isEqualTo(fixedFrame);
      assertThat(top.value()).isEqualTo(Long.toString(30 * 168 * 2));
      assertThat(top.label("process_executable_name")).isEqualTo("demo");
      assertThat(top.label("service_name")).isEqualTo("leakdetector");
      assertThat(byFunction(stacks)).isEqualTo(DemoMetrics.stackBytes(2));
      assertThat(
              byFunction(
                  backend.await(
                      DemoMetrics.STACK_ALLOCATIONS + selector,
                      s -> s.size() == 4,
                      VISIBLE_WITHIN)))
          .isEqualTo(DemoMetrics.stackAllocations(2));

      for (Map.Entry<String, Long> total : DemoMetrics.totals(2).entrySet()) {
        List<Sample> samples = backend.awaitAny(total.getKey() + selector, VISIBLE_WITHIN);
        assertThat(samples)
            .as(total.getKey())
            .singleElement()
            .satisfies(s -> assertThat(s.value()).isEqualTo(total.getValue().toString()));
      }
    }
  }

  static String innermostFrame(Report report, String function) {
    return report.stacks().stream()
        .map(Stack::innermost)
        .filter(frame -> frame.startsWith("demo!" + function + "+0x"))
        .findFirst()
        .orElseThrow(() -> new AssertionError(function + " in " + report));
  }

  private static long value(Sample sample) {
    return Long.parseLong(sample.value());
  }

  private static Map<String, Long> byFunction(List<Sample> samples) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (Sample sample : samples) {
      values.put(DemoMetrics.function(sample.label(DemoMetrics.TOP_FRAME)), value(sample));
    }
    return values;
  }
}
