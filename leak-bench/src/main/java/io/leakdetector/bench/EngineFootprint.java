package io.leakdetector.bench;

import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.HeapEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

/**
 * Java heap per outstanding allocation, at 1 000 000 and at 10 000 000 outstanding blocks on 10 000
 * stacks of 16 to 32 frames. Two measures: the engine's own count of its arrays' bytes ({@link
 * HeapEngine#retainedBytes()}), and the used heap after a full GC minus the used heap before the
 * engine existed ({@link MemoryMXBean}, which also counts object headers and everything else the
 * engine holds). Also the largest array-bytes ratio seen while filling from 1 000 000 to 10 000
 * 000, which includes the moments right after the table grew.
 *
 * <p>Run: {@code java -Xmx4g -cp leak-bench/target/benchmarks.jar
 * io.leakdetector.bench.EngineFootprint}
 */
public final class EngineFootprint {
  private EngineFootprint() {}

  public static void main(String[] args) {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Workload workload = new Workload(10_000, 1);
    measure(memory, workload, 0, "Linux layout (heap 0)");
    measure(memory, workload, 0x7FF6_0000_0000L, "Windows layout (a heap handle per block)");
  }

  private static void measure(MemoryMXBean memory, Workload workload, long heap, String layout) {
    int[] targets = {1_000_000, 10_000_000};
    long before = usedAfterGc(memory);
    HeapEngine engine = new HeapEngine(EngineConfig.DEFAULT);
    int[] ids = workload.internAll(engine);
    long time = System.nanoTime();
    long filled = 0;
    double worst = 0;
    long worstAt = 0;
    for (int target : targets) {
      engine.beginBatch();
      while (filled < target) {
        long a = Workload.address(filled);
        engine.onAlloc(time, heap, a, Workload.size(a), ids[workload.stack(a)]);
        filled++;
        if ((filled & 1023) == 0) {
          engine.endBatch();
          if (filled >= 1_000_000) {
            double ratio = (double) engine.retainedBytes() / filled;
            if (ratio > worst) {
              worst = ratio;
              worstAt = filled;
            }
          }
          engine.beginBatch();
        }
      }
      engine.endBatch();
      long used = usedAfterGc(memory) - before;
      System.out.printf(
          Locale.ROOT,
          "%s, outstanding %,d: engine arrays %.1f bytes/allocation, heap used after GC %.1f"
              + " bytes/allocation%n",
          layout,
          engine.blockCount(),
          (double) engine.retainedBytes() / engine.blockCount(),
          (double) used / engine.blockCount());
    }
    System.out.printf(
        Locale.ROOT,
        "%s, worst engine arrays while filling 1,000,000 to 10,000,000: %.1f bytes/allocation"
            + " (at %,d)%n",
        layout,
        worst,
        worstAt);
  }

  private static long usedAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
