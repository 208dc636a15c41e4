package io.leakdetector.export.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * With 10 000 leaking stacks and top N = 10, at most 10 per-stack series exist, and they are the
 * latest snapshot's, for cumulative and for delta readers, however the top N changes.
 */
class CardinalityTest {
  private static final int LEAKING_STACKS = 10_000;
  private static final int TOP_N = 10;
  private static final int SNAPSHOTS = 6;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void atMostTopNStackSeriesExistAndTheyAreTheLatestSnapshots(boolean delta) {
    InMemoryMetricReader reader =
        delta ? InMemoryMetricReader.createDelta() : InMemoryMetricReader.create();
    try (OpenTelemetrySdk sdk =
            OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
                .build();
        OtelSnapshotExporter exporter = OtelSnapshotExporter.create(sdk)) {
      LeakingProcess process = new LeakingProcess(new Random(20240517));
      Set<Integer> everReported = new HashSet<>();

      for (int sequence = 1; sequence <= SNAPSHOTS; sequence++) {
        process.leakMore();
        LeakSnapshot snapshot = process.snapshot(sequence);
        exporter.export(snapshot);
        List<Long> expectedIds =
            snapshot.stacks().stream().map(stack -> (long) stack.id()).toList();
        snapshot.stacks().forEach(stack -> everReported.add(stack.id()));

        List<MetricData> metrics = List.copyOf(reader.collectAllMetrics());
        for (String name :
            List.of(
                LeakMetrics.STACK_OUTSTANDING_BYTES, LeakMetrics.STACK_OUTSTANDING_ALLOCATIONS)) {
          MetricData metric =
              metrics.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
          assertThat(metric.getLongGaugeData().getPoints()).hasSize(TOP_N);
          assertThat(OtelSnapshotExporterTest.pointsByStack(metric).keySet())
              .containsExactlyInAnyOrderElementsOf(expectedIds);
        }
        MetricData stacks =
            metrics.stream()
                .filter(m -> m.getName().equals(LeakMetrics.STACKS))
                .findFirst()
                .orElseThrow();
        assertThat(stacks.getLongGaugeData().getPoints().iterator().next().getValue())
            .isEqualTo(LEAKING_STACKS);
      }
      // The top N really changed between snapshots, so dropped stacks were tested.
      assertThat(everReported.size()).isGreaterThan(TOP_N);
    }
  }

  /** 10 000 stacks, each leaking; reported as the session does: sorted by bytes, top N only. */
  private static final class LeakingProcess {
    private final Random random;
    private final long[] outstandingBytes = new long[LEAKING_STACKS];
    private final long[] outstandingCount = new long[LEAKING_STACKS];

    LeakingProcess(Random random) {
      this.random = random;
    }

    /** Every stack leaks a little more; a few random stacks leak a lot, so the top N moves. */
    void leakMore() {
      for (int id = 0; id < LEAKING_STACKS; id++) {
        outstandingBytes[id] += 16 + random.nextInt(64);
        outstandingCount[id]++;
      }
      for (int burst = 0; burst < 2 * TOP_N; burst++) {
        int id = random.nextInt(LEAKING_STACKS);
        outstandingBytes[id] += 1_000_000L + random.nextInt(1_000_000);
        outstandingCount[id] += 10;
      }
    }

    LeakSnapshot snapshot(long sequence) {
      List<StackReport> top =
          IntStream.range(0, LEAKING_STACKS)
              .boxed()
              .sorted(Comparator.comparingLong((Integer id) -> outstandingBytes[id]).reversed())
              .limit(TOP_N)
              .map(this::report)
              .toList();
      long bytes = 0;
      long count = 0;
      for (int id = 0; id < LEAKING_STACKS; id++) {
        bytes += outstandingBytes[id];
        count += outstandingCount[id];
      }
      return KnownSnapshots.snapshot(
          sequence,
          new TargetProcess(77, "leaky"),
          new HeapTotals(count, 0, bytes, 0, count, bytes, LEAKING_STACKS),
          EventCounts.NONE,
          top);
    }

    private StackReport report(int id) {
      List<Frame> frames = new ArrayList<>();
      frames.add(new Frame(0x7f0000011000L, "libc.so.6", "malloc", 0x2A, false));
      frames.add(new Frame(0x400000L + id * 16L, "leaky", "leak_" + id, 0x10, false));
      return new StackReport(
          id,
          outstandingCount[id],
          0,
          outstandingBytes[id],
          0,
          outstandingCount[id],
          outstandingBytes[id],
          0,
          0,
          frames);
    }
  }
}
