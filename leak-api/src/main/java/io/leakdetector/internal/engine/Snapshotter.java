package io.leakdetector.internal.engine;

import io.leakdetector.EventCounts;
import io.leakdetector.HeapTotals;
import io.leakdetector.SortOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the counters the engine copied under its lock into an {@link EngineSnapshot}: totals,
 * growth against the baseline of the previous periodic snapshot, filter, top-N selection. Runs
 * outside the engine's lock, so the event thread is held up only for the copy.
 *
 * <p>Owns the scratch arrays and the baselines; the engine calls it from one thread at a time.
 */
final class Snapshotter {
  /** Per-stack counters copied from {@link StackCounters}, same layout. */
  long[] counters = new long[0];

  /** With an age filter: outstanding count and bytes of the old-enough blocks, per stack. */
  long[] oldCount = new long[0];

  long[] oldBytes = new long[0];

  private long[] baselineCount = new long[0];
  private long[] baselineBytes = new long[0];
  private long lostMark;
  private long[] outstandingCount = new long[0];
  private long[] outstandingBytes = new long[0];
  private long[] sortKey = new long[0];
  private final TopStacks top = new TopStacks();

  /** Makes the scratch arrays hold {@code stacks} stacks; the age arrays only when asked. */
  void prepare(int stacks, boolean withAge) {
    if (counters.length < StackCounters.STRIDE * stacks) {
      counters = new long[StackCounters.STRIDE * grownLength(stacks)];
    }
    if (withAge) {
      if (oldCount.length < stacks) {
        oldCount = new long[grownLength(stacks)];
        oldBytes = new long[oldCount.length];
      } else {
        Arrays.fill(oldCount, 0, stacks, 0);
        Arrays.fill(oldBytes, 0, stacks, 0);
      }
    }
  }

  private static int grownLength(int stacks) {
    return (int) Math.min(Integer.MAX_VALUE / 8, stacks + (long) stacks / 4 + 16);
  }

  /** What the engine captured under its lock besides the per-stack counters. */
  record Captured(
      StackTable.View stacks,
      ThreadNameTable.View threadNames,
      boolean withAge,
      long lost,
      long unmatched,
      long implied,
      long dropped) {}

  EngineSnapshot build(SnapshotQuery query, Captured captured) {
    int n = captured.stacks().count();
    if (outstandingCount.length < n) {
      int length = grownLength(n);
      outstandingCount = new long[length];
      outstandingBytes = new long[length];
      sortKey = new long[length];
    }
    if (baselineCount.length < n) {
      int length = grownLength(n);
      baselineCount = Arrays.copyOf(baselineCount, length);
      baselineBytes = Arrays.copyOf(baselineBytes, length);
    }
    long allocCount = 0;
    long freeCount = 0;
    long allocBytes = 0;
    long freeBytes = 0;
    long totalCount = 0;
    long totalBytes = 0;
    int withOutstanding = 0;
    long filtered = 0;
    StackTable.View view = captured.stacks();
    ThreadNameTable.View names = captured.threadNames();
    for (int id = 0; id < n; id++) {
      int i = StackCounters.STRIDE * id;
      if (names.excluded(view.thread(id))) {
        filtered += counters[i + StackCounters.ALLOC_COUNT];
        outstandingCount[id] = 0;
        outstandingBytes[id] = 0;
        continue;
      }
      long ac = counters[i + StackCounters.ALLOC_COUNT];
      long fc = counters[i + StackCounters.FREE_COUNT];
      long ab = counters[i + StackCounters.ALLOC_BYTES];
      long fb = counters[i + StackCounters.FREE_BYTES];
      long oc = captured.withAge() ? oldCount[id] : ac - fc;
      long ob = captured.withAge() ? oldBytes[id] : ab - fb;
      allocCount += ac;
      freeCount += fc;
      allocBytes += ab;
      freeBytes += fb;
      totalCount += oc;
      totalBytes += ob;
      if (oc > 0) {
        withOutstanding++;
      }
      outstandingCount[id] = oc;
      outstandingBytes[id] = ob;
    }
    SortOrder sort = query.sort() == null ? SortOrder.COUNT : query.sort();
    for (int id = 0; id < n; id++) {
      sortKey[id] =
          switch (sort) {
            case COUNT -> outstandingCount[id];
            case BYTES -> outstandingBytes[id];
            case GROWTH -> outstandingBytes[id] - baselineBytes[id];
          };
    }
    int limit = query.topN() > 0 ? Math.min(query.topN(), n) : n;
    top.reset(limit, sortKey);
    long minOutstanding = query.minOutstanding();
    for (int id = 0; id < n; id++) {
      if (outstandingCount[id] >= minOutstanding && !names.excluded(view.thread(id))) {
        top.offer(id);
      }
    }
    int[] chosen = top.result();
    List<RawStack> stacks = new ArrayList<>(chosen.length);
    for (int id : chosen) {
      int i = StackCounters.STRIDE * id;
      stacks.add(
          new RawStack(
              id,
              counters[i + StackCounters.ALLOC_COUNT],
              counters[i + StackCounters.FREE_COUNT],
              counters[i + StackCounters.ALLOC_BYTES],
              counters[i + StackCounters.FREE_BYTES],
              outstandingCount[id],
              outstandingBytes[id],
              outstandingCount[id] - baselineCount[id],
              outstandingBytes[id] - baselineBytes[id],
              view.frames(id),
              names.name(view.thread(id))));
    }
    long lost = captured.lost();
    EventCounts counts =
        new EventCounts(
            lost,
            lost - lostMark,
            captured.unmatched(),
            captured.implied(),
            captured.dropped(),
            java.util.Map.of(),
            filtered);
    if (query.periodic()) {
      System.arraycopy(outstandingCount, 0, baselineCount, 0, n);
      System.arraycopy(outstandingBytes, 0, baselineBytes, 0, n);
      lostMark = lost;
    }
    HeapTotals totals =
        new HeapTotals(
            allocCount, freeCount, allocBytes, freeBytes, totalCount, totalBytes, withOutstanding);
    return new EngineSnapshot(totals, counts, List.copyOf(stacks));
  }
}
