package io.leakdetector.export.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.AnsweringEndpoint;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.spi.ExporterContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The SDK of the {@code otel} exporter runs its periodic reader and its OTLP sender on threads of
 * the factory the session gives, the way a session tracing its own JVM excludes them.
 */
class ExportThreadsTest {

  @Test
  void theReaderAndTheSenderRunOnThreadsOfTheSessionsFactoryAndEndWithTheExporter()
      throws Exception {
    List<Thread> made = new CopyOnWriteArrayList<>();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r);
          made.add(t);
          return t;
        };
    try (AnsweringEndpoint receiver = AnsweringEndpoint.answering(200, "")) {
      SnapshotExporter exporter =
          OtelExporterProvider.create(
              new ExporterContext(System.out, Map.of()),
              Map.of(
                  "otel.exporter.otlp.endpoint",
                  receiver.baseUrl(),
                  "otel.metric.export.interval",
                  "50"),
              List.of());
      exporter.threadFactory(factory);
      try {
        exporter.export(KnownSnapshots.first(new TargetProcess(31337, "demo")));
        long deadline = System.nanoTime() + 10_000_000_000L;
        // the forced export, then the periodic reader's own
        while (receiver.requests().size() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(receiver.requests()).hasSizeGreaterThanOrEqualTo(3);

        assertThat(made)
            .extracting(Thread::getName)
            .contains("leakdetector-otel-reader", "leakdetector-otel-sender");
        assertThat(made).allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
        Set<String> live =
            Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .collect(Collectors.toSet());
        assertThat(live)
            .noneMatch(name -> name.startsWith("PeriodicMetricReader"))
            .noneMatch(name -> name.startsWith("jdkhttp-executor"));
      } finally {
        exporter.close();
      }
      for (Thread t : made) {
        t.join(10_000);
        assertThat(t.isAlive()).as(t.getName()).isFalse();
      }
    }
  }
}
