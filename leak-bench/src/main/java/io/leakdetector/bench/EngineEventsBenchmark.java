package io.leakdetector.bench;

import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.HeapEngine;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Events per second through the engine on one thread, each allocation interning its stack first as
 * a source does. 10 000 distinct stacks of 16 to 32 frames, 1 000 000 live allocations.
 *
 * <ul>
 *   <li>{@code mixed}: 70 % allocations, 30 % frees. Such a stream grows the live set, so every
 *       measured pass starts from a fresh engine holding 1 000 000 blocks and feeds it 2 000 000
 *       events (ending at 1 800 000 blocks, table growth included). Score: ns per event.
 *   <li>{@code churn}: the steady state: half allocations, half frees around exactly 1 000 000 live
 *       blocks, replayed in a loop. Score: events per second; {@code -prof gc} gives the bytes
 *       allocated per event.
 * </ul>
 *
 * {@code batch} is how many events a source brackets with beginBatch/endBatch (one lock round trip
 * per batch); 1 takes the engine's lock on every event.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class EngineEventsBenchmark {
  static final int STACKS = 10_000;
  static final int LIVE = 1_000_000;
  static final int MIXED_EVENTS = 2_000_000;
  static final int CHUNK = 4096;

  /** A fresh engine with 1 000 000 live blocks per measured pass, and the 70/30 stream. */
  @State(Scope.Thread)
  public static class Mixed {
    @Param({"1000"})
    public int batch;

    Workload workload;
    Workload.Events events;
    long[] live;
    HeapEngine engine;
    CpuClock cpu;
    boolean measuring;

    @Setup(Level.Trial)
    public void generate() {
      workload = new Workload(STACKS, 1);
      live = Workload.liveSet(LIVE);
      events = workload.mixed(LIVE, MIXED_EVENTS, 0.7, 2);
      cpu = new CpuClock("mixed batch=" + batch);
    }

    @Setup(Level.Iteration)
    public void fill(IterationParams iteration) {
      measuring = iteration.getType() == IterationType.MEASUREMENT;
      engine = null;
      System.gc();
      engine = new HeapEngine(EngineConfig.DEFAULT);
      workload.prefill(engine, live);
    }

    @TearDown(Level.Trial)
    public void report() {
      cpu.report();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(MIXED_EVENTS)
  @Warmup(iterations = 5)
  @Measurement(iterations = 10)
  public int mixed(Mixed state) {
    long start = CpuClock.now();
    int result = feed(state.engine, state.workload, state.events, 0, MIXED_EVENTS, state.batch);
    if (state.measuring) {
      state.cpu.add(CpuClock.now() - start, MIXED_EVENTS);
    }
    return result;
  }

  /** An engine at 1 000 000 live blocks and a stream that returns to that state each pass. */
  @State(Scope.Thread)
  public static class Churn {
    @Param({"1", "1000"})
    public int batch;

    /** Live blocks; {@code -p live=10000} keeps the table in cache, showing the compute cost. */
    @Param({"1000000"})
    public int live;

    Workload workload;
    Workload.Events events;
    HeapEngine engine;
    int cursor;
    CpuClock cpu;
    long fed;

    @Setup(Level.Trial)
    public void generate() {
      workload = new Workload(STACKS, 1);
      events = workload.steadyChurn(live, 1 << 20, 3);
      cpu = new CpuClock("churn batch=" + batch + " live=" + live);
      engine = new HeapEngine(EngineConfig.DEFAULT);
      workload.prefill(engine, Workload.liveSet(live));
      // One full pass, so the table and the JIT have seen the whole stream once.
      feed(engine, workload, events, 0, events.length(), batch);
      if (engine.blockCount() != live) {
        throw new IllegalStateException("the churn stream does not return to its start");
      }
    }

    /** Iteration fixtures run on the benchmark thread, so its CPU time is the benchmark's. */
    @Setup(Level.Iteration)
    public void startClock(IterationParams iteration) {
      fed = 0;
      if (iteration.getType() == IterationType.MEASUREMENT) {
        cpu.start();
      }
    }

    @TearDown(Level.Iteration)
    public void stopClock() {
      cpu.stop(fed);
    }

    @TearDown(Level.Trial)
    public void report() {
      cpu.report();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(CHUNK)
  @Warmup(iterations = 3, time = 2)
  @Measurement(iterations = 5, time = 2)
  public int churn(Churn state) {
    int from = state.cursor;
    state.cursor = (from + CHUNK) % state.events.length();
    state.fed += CHUNK;
    return feed(state.engine, state.workload, state.events, from, CHUNK, state.batch);
  }

  /**
   * Feeds {@code count} events from {@code from}, wrapping around the stream's end, in bursts of
   * {@code batch} events. Returns a value that depends on every intern, so nothing is elided.
   */
  static int feed(
      HeapEngine engine,
      Workload workload,
      Workload.Events events,
      int from,
      int count,
      int batch) {
    long[] address = events.address();
    int[] size = events.size();
    int[] stack = events.stack();
    int length = address.length;
    int sum = 0;
    int i = from;
    int inBatch = 0;
    long time = 1_000_000_000L;
    boolean batched = batch > 1;
    for (int n = 0; n < count; n++) {
      if (batched && inBatch == 0) {
        engine.beginBatch();
      }
      if (size[i] < 0) {
        engine.onFree(time, 0, address[i]);
      } else {
        int id = workload.intern(engine, stack[i]);
        engine.onAlloc(time, 0, address[i], size[i], id);
        sum += id;
      }
      if (batched && ++inBatch == batch) {
        engine.endBatch();
        inBatch = 0;
      }
      time += 100;
      if (++i == length) {
        i = 0;
      }
    }
    if (batched && inBatch > 0) {
      engine.endBatch();
    }
    return sum;
  }
}
