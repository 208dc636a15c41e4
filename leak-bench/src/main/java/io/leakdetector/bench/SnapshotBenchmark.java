package io.leakdetector.bench;

import io.leakdetector.SortOrder;
import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.internal.engine.SnapshotQuery;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The time of one snapshot of an engine with 100 000 stacks (16 to 32 frames) and 1 000 000 live
 * blocks, keeping the top 10 stacks by outstanding count (the default report), by growth with the
 * periodic mark moving, or all stacks.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class SnapshotBenchmark {
  static final int STACKS = 100_000;
  static final int LIVE = 1_000_000;

  @Param({"10"})
  public int topN;

  HeapEngine engine;
  long lockNanos;
  long lockMaxNanos;
  long snapshots;

  @Setup(Level.Trial)
  public void fill() {
    Workload workload = new Workload(STACKS, 5);
    engine = new HeapEngine(EngineConfig.DEFAULT);
    // Every stack interned, then a million blocks spread over them.
    workload.internAll(engine);
    workload.prefill(engine, Workload.liveSet(LIVE));
    if (engine.stackCount() != STACKS) {
      throw new IllegalStateException("expected " + STACKS + " stacks: " + engine.stackCount());
    }
  }

  @Benchmark
  public EngineSnapshot topByCount() {
    return held(
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, topN, 1, 0, System.nanoTime(), false)));
  }

  @Benchmark
  public EngineSnapshot topByGrowthPeriodic() {
    return held(
        engine.snapshot(new SnapshotQuery(SortOrder.GROWTH, topN, 1, 0, System.nanoTime(), true)));
  }

  @Benchmark
  public EngineSnapshot allStacks() {
    return held(
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, System.nanoTime(), false)));
  }

  /** Keeps account of how long the snapshot held the engine's lock (the event thread's stall). */
  private EngineSnapshot held(EngineSnapshot snapshot) {
    long nanos = engine.lastSnapshotLockNanos();
    lockNanos += nanos;
    lockMaxNanos = Math.max(lockMaxNanos, nanos);
    snapshots++;
    return snapshot;
  }

  @TearDown(Level.Trial)
  public void report() {
    System.out.printf(
        Locale.ROOT,
        "%nlock held per snapshot: mean %.3f ms, max %.3f ms over %d snapshots%n",
        lockNanos / 1e6 / Math.max(1, snapshots),
        lockMaxNanos / 1e6,
        snapshots);
  }
}
