package io.leakdetector.bench;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The machine's latency of one dependent memory load at several working-set sizes (a pointer chase
 * through a random cycle of cache lines). The engine's allocation table at 1 000 000 blocks is
 * about 35 MB, so each event that touches it waits for about one such load unless the loads of
 * several events overlap; this figure puts the events-per-second results in context.
 *
 * <p>Run: {@code java -cp leak-bench/target/benchmarks.jar io.leakdetector.bench.MemoryLatency}
 */
public final class MemoryLatency {
  private MemoryLatency() {}

  public static void main(String[] args) {
    for (int megabytes : new int[] {1, 4, 32, 128}) {
      System.out.printf(
          Locale.ROOT,
          "dependent load, %d MiB working set: %.1f ns%n",
          megabytes,
          chase(megabytes));
    }
  }

  private static double chase(int megabytes) {
    int ints = megabytes * 1024 * 1024 / 4;
    int lines = ints / 16;
    int[] order = new int[lines];
    for (int i = 0; i < lines; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(1);
    for (int i = lines - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int[] next = new int[ints];
    for (int i = 0; i < lines; i++) {
      next[order[i] * 16] = order[(i + 1) % lines] * 16;
    }
    int p = 0;
    for (int i = 0; i < 2_000_000; i++) {
      p = next[p];
    }
    int steps = 10_000_000;
    long start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      p = next[p];
    }
    long elapsed = System.nanoTime() - start;
    if (p == -1) {
      throw new AssertionError();
    }
    return (double) elapsed / steps;
  }
}
