package io.leakdetector.internal.engine;

import java.util.Arrays;

/**
 * Per-stack counters kept as events arrive: allocations, frees, bytes allocated and bytes freed,
 * four longs a stack side by side in one array so that an event touches one cache line. Outstanding
 * count and bytes are derived (allocated minus freed).
 *
 * <p>Not thread-safe: the engine guards it.
 */
final class StackCounters {
  static final int STRIDE = 4;
  static final int ALLOC_COUNT = 0;
  static final int FREE_COUNT = 1;
  static final int ALLOC_BYTES = 2;
  static final int FREE_BYTES = 3;

  private long[] values = new long[STRIDE * 64];

  /** Makes room for stacks {@code 0 .. stacks - 1}; false when memory ran short. */
  boolean ensure(int stacks) {
    long needed = (long) STRIDE * stacks;
    if (needed <= values.length) {
      return true;
    }
    long grown = Math.max(needed, 2L * values.length);
    if (grown > Integer.MAX_VALUE - 16) {
      grown = needed;
    }
    if (grown > Integer.MAX_VALUE - 16) {
      return false;
    }
    try {
      values = Arrays.copyOf(values, (int) grown);
      return true;
    } catch (OutOfMemoryError e) {
      return false;
    }
  }

  void alloc(int stackId, long size) {
    int i = STRIDE * stackId;
    values[i + ALLOC_COUNT]++;
    values[i + ALLOC_BYTES] += size;
  }

  void free(int stackId, long size) {
    int i = STRIDE * stackId;
    values[i + FREE_COUNT]++;
    values[i + FREE_BYTES] += size;
  }

  long get(int stackId, int field) {
    return values[STRIDE * stackId + field];
  }

  /** Copies the counters of stacks {@code 0 .. stacks - 1} to {@code target}. */
  void copyTo(long[] target, int stacks) {
    System.arraycopy(values, 0, target, 0, STRIDE * stacks);
  }

  long retainedBytes() {
    return 8L * values.length;
  }
}
