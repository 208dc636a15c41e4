package io.leakdetector.export.otel.testkit;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Hand-made snapshots with known values for the exporter tests. */
public final class Snapshots {
  private Snapshots() {}

  /** Stack 7: 10 blocks of 4096 bytes left by {@code demo!leak_a}, called through malloc. */
  public static final StackReport STACK_A =
      new StackReport(
          7,
          12,
          2,
          12 * 4096,
          2 * 4096,
          10,
          40960,
          10,
          40960,
          List.of(
              new Frame(0x7f0000011000L, "libc.so.6", "malloc", 0x2A, false),
              new Frame(0x401136L, "demo", "leak_a", 0x1A, false),
              new Frame(0x401200L, "demo", "main", 0x40, false)));

  /** Stack 9: 3 blocks of 100 bytes left by {@code demo!leak_b}, called through calloc. */
  public static final StackReport STACK_B =
      new StackReport(
          9,
          3,
          0,
          300,
          0,
          3,
          300,
          3,
          300,
          List.of(
              new Frame(0x7f0000012000L, "libc.so.6", "calloc", 0x10, false),
              new Frame(0x401150L, "demo", "leak_b", 0x22, false),
              new Frame(0x401200L, "demo", "main", 0x48, false)));

  /** Stack 11: one block of 5000 bytes left by {@code demo!leak_c}, called through realloc. */
  public static final StackReport STACK_C =
      new StackReport(
          11,
          1,
          0,
          5000,
          0,
          1,
          5000,
          1,
          5000,
          List.of(
              new Frame(0x7f0000013000L, "libc.so.6", "realloc", 0x31, false),
              new Frame(0x401170L, "demo", "leak_c", 0x0C, false)));

  /** Totals of a process whose top stacks are {@link #STACK_A} and {@link #STACK_B}. */
  public static final HeapTotals TOTALS = new HeapTotals(120, 20, 50_000, 8_000, 100, 42_000, 2);

  /** 3 lost events (1 in this interval) and 4 unmatched frees. */
  public static final EventCounts COUNTS = new EventCounts(3, 1, 4, 0, 0);

  /** A first periodic snapshot of {@code target} with stacks A and B and the totals above. */
  public static LeakSnapshot first(TargetProcess target) {
    return snapshot(1, target, TOTALS, COUNTS, List.of(STACK_A, STACK_B));
  }

  /** A snapshot with the given values. */
  public static LeakSnapshot snapshot(
      long sequence,
      TargetProcess target,
      HeapTotals totals,
      EventCounts counts,
      List<StackReport> stacks) {
    return new LeakSnapshot(
        sequence,
        Instant.now(),
        target,
        "uprobes",
        Duration.ofSeconds(5),
        totals,
        counts,
        Map.of(),
        false,
        "",
        stacks);
  }
}
