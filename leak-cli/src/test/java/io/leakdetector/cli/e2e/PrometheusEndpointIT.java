package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import io.leakdetector.cli.e2e.TextReports.Report;
import io.leakdetector.export.otel.testkit.PrometheusScrape;
import io.leakdetector.export.otel.testkit.PrometheusScrape.Sample;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus pull endpoint of the command line ({@code --prometheus-port}), scraped over HTTP
 * by the test while the CLI traces the demo; then Ctrl+C's signal ends the run with exit 0.
 */
class PrometheusEndpointIT {
  @TempDir Path dir;

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
  }

  @Test
  void aScrapeWhileTracingShowsTheDemosExactValues() throws Exception {
    int port = freePort();
    URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
    try (DemoProcess demo =
            DemoProcess.start(
                dir, "--rounds", "2", "--delay-ms", "0", "--wait-for-signal", "--hold");
        Tool tool =
            Tool.start(
                dir,
                Map.of(),
                "-p",
                Long.toString(demo.pid()),
                "-i",
                "1",
                "-c",
                "60",
                "--prometheus-port",
                Integer.toString(port))) {
      tool.awaitTracing("uprobes");
      demo.signal("USR1");

      List<Sample> scraped = scrapeUntilExact(metrics, tool);
      assertThat(byFunction(scraped, DemoMetrics.STACK_BYTES)).isEqualTo(DemoMetrics.stackBytes(2));
      assertThat(byFunction(scraped, DemoMetrics.STACK_ALLOCATIONS))
          .isEqualTo(DemoMetrics.stackAllocations(2));
      for (Map.Entry<String, Long> total : DemoMetrics.totals(2).entrySet()) {
        assertThat(PrometheusScrape.named(scraped, total.getKey()))
            .as(total.getKey())
            .singleElement()
            .satisfies(s -> assertThat(value(s)).isEqualTo(total.getValue()));
      }
      assertThat(PrometheusScrape.named(scraped, "target_info"))
          .singleElement()
          .satisfies(
              info -> {
                assertThat(info.label("process_pid")).isEqualTo(Long.toString(demo.pid()));
                assertThat(info.label("process_executable_name")).isEqualTo("demo");
                assertThat(info.label("service_name")).isEqualTo("leakdetector");
              });

      tool.signal("INT");
      Tool.Finished finished = tool.awaitExit(60);
      assertThat(finished.exitCode()).as(finished.err()).isZero();
      List<Report> reports = TextReports.parse(finished.out());
      Report last = reports.get(reports.size() - 1);
      assertThat(last.totalsLine()).isEqualTo(DemoRounds.totalsLine(2, "; final report: stopped"));
      DemoRounds.assertExact(last, 2);
      String fixedFrame = OtlpBackendIT.innermostFrame(last, "leak_fixed_blocks");
      assertThat(PrometheusScrape.named(scraped, DemoMetrics.STACK_BYTES))
          .anySatisfy(s -> assertThat(s.label(DemoMetrics.TOP_FRAME)).isEqualTo(fixedFrame));
      // The endpoint closed with the run.
      assertThatThrownBy(() -> PrometheusScrape.scrape(metrics)).isInstanceOf(IOException.class);
      assertThat(demo.isAlive()).as("a -p target is never touched").isTrue();
    }
  }

  /**
   * Scrapes until the endpoint shows both rounds (it opens at the first snapshot, about a second
   * after tracing starts), at most 30 s.
   */
  private static List<Sample> scrapeUntilExact(URI metrics, Tool tool) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "nothing (the endpoint did not answer)";
    while (System.nanoTime() < deadline) {
      if (!tool.isAlive()) {
        fail("leakdetector ended while being scraped:\n" + tool.out() + "\n" + tool.err());
      }
      try {
        List<Sample> samples = PrometheusScrape.scrape(metrics);
        last = samples.toString();
        List<Sample> outstanding = PrometheusScrape.named(samples, "leak_outstanding_bytes");
        if (outstanding.size() == 1
            && value(outstanding.get(0)) == 2 * DemoRounds.BYTES_PER_ROUND
            && PrometheusScrape.named(samples, DemoMetrics.STACK_BYTES).size() == 4) {
          return samples;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    fail("no scrape of " + metrics + " showed both rounds within 30 s; the last: " + last);
    return List.of();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Prometheus writes numbers as doubles ({@code 10080.0}); these are whole. */
  private static long value(Sample sample) {
    double value = Double.parseDouble(sample.value());
    assertThat(value).as(sample.toString()).isEqualTo(Math.rint(value));
    return (long) value;
  }

  private static Map<String, Long> byFunction(List<Sample> samples, String name) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (Sample sample : PrometheusScrape.named(samples, name)) {
      values.put(DemoMetrics.function(sample.label(DemoMetrics.TOP_FRAME)), value(sample));
    }
    return values;
  }
}
