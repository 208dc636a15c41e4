package io.leakdetector.export.otel.testkit;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import io.leakdetector.testkit.Snapshots;
import java.time.Instant;
import java.util.List;

/** The metric tests' snapshots, made with the shared {@link Snapshots} builders. */
public final class KnownSnapshots {
  private KnownSnapshots() {}

  /** Stack 7: 10 blocks of 4096 bytes left by {@code demo!leak_a}, called through malloc. */
  public static final StackReport STACK_A =
      Snapshots.stack(7)
          .counts(12, 2, 12 * 4096, 2 * 4096)
          .frames(
              new Frame(0x7f0000011000L, "libc.so.6", "malloc", 0x2A, false),
              new Frame(0x401136L, "demo", "leak_a", 0x1A, false),
              new Frame(0x401200L, "demo", "main", 0x40, false))
          .build();

  /** Stack 9: 3 blocks of 100 bytes left by {@code demo!leak_b}, called through calloc. */
  public static final StackReport STACK_B =
      Snapshots.stack(9)
          .counts(3, 0, 300, 0)
          .frames(
              new Frame(0x7f0000012000L, "libc.so.6", "calloc", 0x10, false),
              new Frame(0x401150L, "demo", "leak_b", 0x22, false),
              new Frame(0x401200L, "demo", "main", 0x48, false))
          .build();

  /** Stack 11: one block of 5000 bytes left by {@code demo!leak_c}, called through realloc. */
  public static final StackReport STACK_C =
      Snapshots.stack(11)
          .counts(1, 0, 5000, 0)
          .frames(
              new Frame(0x7f0000013000L, "libc.so.6", "realloc", 0x31, false),
              new Frame(0x401170L, "demo", "leak_c", 0x0C, false))
          .build();

  /** Totals of a process whose top stacks are {@link #STACK_A} and {@link #STACK_B}. */
  public static final HeapTotals TOTALS = new HeapTotals(120, 20, 50_000, 8_000, 100, 42_000, 2);

  /** 3 lost events (1 in this interval) and 4 unmatched frees. */
  public static final EventCounts COUNTS = new EventCounts(3, 1, 4, 0, 0);

  /** A first periodic snapshot of {@code target} with stacks A and B and the totals above. */
  public static LeakSnapshot first(TargetProcess target) {
    return snapshot(1, target, TOTALS, COUNTS, List.of(STACK_A, STACK_B));
  }

  /** A periodic snapshot taken now, every 5 s by {@code uprobes}, with the given values. */
  public static LeakSnapshot snapshot(
      long sequence,
      TargetProcess target,
      HeapTotals totals,
      EventCounts counts,
      List<StackReport> stacks) {
    return Snapshots.builder()
        .sequence(sequence)
        .time(Instant.now())
        .target(target)
        .totals(totals)
        .counts(counts)
        .stacks(stacks)
        .build();
  }
}
