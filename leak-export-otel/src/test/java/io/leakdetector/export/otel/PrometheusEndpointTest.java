package io.leakdetector.export.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.EventCounts;
import io.leakdetector.HeapTotals;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.export.otel.testkit.LogCapture;
import io.leakdetector.export.otel.testkit.PrometheusScrape;
import io.leakdetector.export.otel.testkit.PrometheusScrape.Sample;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The {@code otel} exporter's Prometheus endpoint, scraped over HTTP by the test. */
class PrometheusEndpointTest {
  private static final TargetProcess TARGET = new TargetProcess(4242, "demo");

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aScrapeShowsTheTopStacksAndTheTotals() throws Exception {
    int port = freePort();
    URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (LogCapture log = LogCapture.start();
        SnapshotExporter exporter =
            SnapshotExporters.create(
                "otel",
                new ExporterContext(
                    System.out, Map.of("prometheus.port", Integer.toString(port))))) {
      exporter.export(KnownSnapshots.first(TARGET));
      List<Sample> first = PrometheusScrape.scrape(metrics);

      assertThat(valuesByStack(first, "leak_stack_outstanding_bytes"))
          .containsExactlyInAnyOrderEntriesOf(Map.of("7", 40960.0, "9", 300.0));
      assertThat(valuesByStack(first, "leak_stack_outstanding_allocations"))
          .containsExactlyInAnyOrderEntriesOf(Map.of("7", 10.0, "9", 3.0));
      assertThat(PrometheusScrape.named(first, "leak_stack_outstanding_bytes"))
          .filteredOn(sample -> "7".equals(sample.label("leak_stack_id")))
          .singleElement()
          .satisfies(
              sample ->
                  assertThat(sample.label("leak_stack_top_frame")).isEqualTo("demo!leak_a+0x1A"));
      assertThat(value(first, "leak_allocations_total")).isEqualTo(120.0);
      assertThat(value(first, "leak_frees_total")).isEqualTo(20.0);
      assertThat(value(first, "leak_allocated_bytes_total")).isEqualTo(50_000.0);
      assertThat(value(first, "leak_freed_bytes_total")).isEqualTo(8_000.0);
      assertThat(value(first, "leak_outstanding_bytes")).isEqualTo(42_000.0);
      assertThat(value(first, "leak_outstanding_allocations")).isEqualTo(100.0);
      assertThat(value(first, "leak_lost_events_total")).isEqualTo(3.0);
      assertThat(value(first, "leak_unmatched_frees_total")).isEqualTo(4.0);
      assertThat(PrometheusScrape.named(first, "target_info"))
          .singleElement()
          .satisfies(
              info -> {
                assertThat(info.label("process_pid")).isEqualTo("4242");
                assertThat(info.label("process_executable_name")).isEqualTo("demo");
                assertThat(info.label("service_name")).isEqualTo("leakdetector");
              });

      // The next interval's top N replaces the previous one's series.
      exporter.export(
          KnownSnapshots.snapshot(
              2,
              TARGET,
              new HeapTotals(121, 20, 55_000, 8_000, 101, 47_000, 3),
              EventCounts.NONE,
              List.of(KnownSnapshots.STACK_C)));
      List<Sample> second = PrometheusScrape.scrape(metrics);
      assertThat(valuesByStack(second, "leak_stack_outstanding_bytes"))
          .containsExactlyEntriesOf(Map.of("11", 5000.0));
      assertThat(value(second, "leak_allocations_total")).isEqualTo(121.0);
      // --prometheus-port alone means pull only: nothing was pushed, so nothing failed.
      assertThat(log.records()).as(log.describe()).isEmpty();
    } finally {
      System.setErr(originalErr);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
    // Closing the exporter stops the endpoint.
    assertThatThrownBy(() -> PrometheusScrape.scrape(metrics)).isInstanceOf(IOException.class);
  }

  @Test
  void theEndpointListensOn127001OnlyByDefault() throws Exception {
    int port = freePort();
    try (SnapshotExporter exporter =
        SnapshotExporters.create(
            "otel",
            new ExporterContext(System.out, Map.of("prometheus.port", Integer.toString(port))))) {
      exporter.export(KnownSnapshots.first(TARGET));
      assertThat(PrometheusScrape.scrape(URI.create("http://127.0.0.1:" + port + "/metrics")))
          .isNotEmpty();
      // On Linux all of 127.0.0.0/8 reaches this host: a server on every address would answer
      // 127.0.0.2 too, one bound to 127.0.0.1 does not. So does any external address.
      List<InetAddress> others = new ArrayList<>();
      others.add(InetAddress.getByName("127.0.0.2"));
      nonLoopbackAddress().ifPresent(others::add);
      for (InetAddress other : others) {
        assertThatThrownBy(
                () -> {
                  try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(other, port), 2000);
                  }
                })
            .as("connecting to %s:%d", other, port)
            .isInstanceOf(IOException.class);
      }
    }
  }

  @Test
  void prometheusHostChangesTheListenAddress() throws Exception {
    int port = freePort();
    try (SnapshotExporter exporter =
        SnapshotExporters.create(
            "otel",
            new ExporterContext(
                System.out,
                Map.of(
                    "prometheus.port", Integer.toString(port), "prometheus.host", "127.0.0.2")))) {
      exporter.export(KnownSnapshots.first(TARGET));
      assertThat(PrometheusScrape.scrape(URI.create("http://127.0.0.2:" + port + "/metrics")))
          .isNotEmpty();
    }
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          return Optional.of(address);
        }
      }
    }
    return Optional.empty();
  }

  private static Map<String, Double> valuesByStack(List<Sample> samples, String name) {
    return PrometheusScrape.named(samples, name).stream()
        .collect(
            Collectors.toMap(
                sample -> sample.label("leak_stack_id"),
                sample -> Double.parseDouble(sample.value())));
  }

  private static double value(List<Sample> samples, String name) {
    List<Sample> named = PrometheusScrape.named(samples, name);
    assertThat(named).as(name).hasSize(1);
    return Double.parseDouble(named.get(0).value());
  }
}
