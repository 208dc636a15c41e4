package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.HeapTotals;
import io.leakdetector.SortOrder;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Snapshots taken while another thread keeps feeding the engine are never torn: every snapshot's
 * totals equal the sum over its stacks, and the counters only ever move forward.
 */
class SnapshotConsistencyTest {

  @ParameterizedTest(name = "batch of {0} events")
  @ValueSource(ints = {0, 1, 64, 4096})
  void totalsAlwaysEqualTheSumOverTheStacks(int batch) throws Exception {
    HeapEngine engine = new HeapEngine(EngineConfig.DEFAULT, 16, AllocationTable.MAX_CAPACITY);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> feederFailure = new AtomicReference<>();
    Thread feeder =
        new Thread(
            () -> {
              try {
                feed(engine, batch, stop);
              } catch (Throwable t) {
                feederFailure.set(t);
              }
            },
            "feeder");
    // Daemon, and stopped in finally: a failed assertion must not leave it feeding forever.
    feeder.setDaemon(true);
    feeder.start();
    try {
      check(engine);
    } finally {
      stop.set(true);
      feeder.join(10_000);
    }
    assertThat(feederFailure.get()).isNull();
    assertThat(feeder.isAlive()).isFalse();
  }

  private static void check(HeapEngine engine) {
    long previousAllocs = 0;
    long previousFrees = 0;
    int snapshots = 0;
    int sawStacks = 0;
    long deadline = System.nanoTime() + 1_500_000_000L;
    while (System.nanoTime() < deadline || snapshots < 200) {
      EngineSnapshot s =
          engine.snapshot(
              new SnapshotQuery(
                  SortOrder.values()[snapshots % 3],
                  0,
                  0,
                  0,
                  System.nanoTime(),
                  snapshots % 2 == 0));
      HeapTotals t = s.totals();
      assertThat(t.allocCount())
          .isEqualTo(s.stacks().stream().mapToLong(r -> r.allocCount()).sum());
      assertThat(t.freeCount()).isEqualTo(s.stacks().stream().mapToLong(r -> r.freeCount()).sum());
      assertThat(t.allocBytes())
          .isEqualTo(s.stacks().stream().mapToLong(r -> r.allocBytes()).sum());
      assertThat(t.freeBytes()).isEqualTo(s.stacks().stream().mapToLong(r -> r.freeBytes()).sum());
      assertThat(t.outstandingCount())
          .isEqualTo(s.stacks().stream().mapToLong(r -> r.outstandingCount()).sum())
          .isEqualTo(t.allocCount() - t.freeCount());
      assertThat(t.outstandingBytes())
          .isEqualTo(s.stacks().stream().mapToLong(r -> r.outstandingBytes()).sum())
          .isEqualTo(t.allocBytes() - t.freeBytes());
      assertThat(t.stacks())
          .isEqualTo((int) s.stacks().stream().filter(r -> r.outstandingCount() > 0).count());
      // Each block is 8 bytes: a torn event would show as a count and bytes out of step.
      assertThat(t.allocBytes()).isEqualTo(8 * t.allocCount());
      assertThat(t.allocCount()).isGreaterThanOrEqualTo(previousAllocs);
      assertThat(t.freeCount()).isGreaterThanOrEqualTo(previousFrees);
      previousAllocs = t.allocCount();
      previousFrees = t.freeCount();
      sawStacks = Math.max(sawStacks, s.stacks().size());
      snapshots++;
    }
    // The feeder really ran during the snapshots.
    assertThat(previousAllocs).isGreaterThan(10_000);
    assertThat(sawStacks).isGreaterThan(100);
  }

  /** Allocates and frees 8-byte blocks until told to stop. */
  private static void feed(HeapEngine engine, int batch, AtomicBoolean stop) {
    SplittableRandom random = new SplittableRandom(42);
    long[] frames = new long[8];
    long time = System.nanoTime();
    int inBatch = 0;
    while (!stop.get()) {
      if (batch > 0 && inBatch == 0) {
        engine.beginBatch();
      }
      // 3000 distinct stacks, first seen at random moments while snapshots run.
      int stackNumber = random.nextInt(3000);
      int depth = 1 + stackNumber % 8;
      for (int f = 0; f < depth; f++) {
        frames[f] = 0x1000L * stackNumber + f;
      }
      int stack = engine.internStack(frames, 0, depth);
      long address = 16L * (1 + random.nextInt(50_000));
      switch (random.nextInt(4)) {
        case 0, 1 -> engine.onAlloc(time++, 0, address, 8, stack);
        case 2 -> engine.onFree(time++, 0, address);
        default -> engine.onRealloc(time++, 0, address, address + 16, 8, stack);
      }
      if (batch > 0 && ++inBatch == batch) {
        engine.endBatch();
        inBatch = 0;
      }
    }
    if (inBatch > 0) {
      engine.endBatch();
    }
  }
}
