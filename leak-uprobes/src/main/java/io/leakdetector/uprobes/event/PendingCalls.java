package io.leakdetector.uprobes.event;

import java.util.Arrays;

/**
 * The allocator calls each thread has entered and not yet returned from: per thread a small stack
 * of (site, three arguments, entry time), newest on top, kept in primitive arrays. Nested probed
 * calls (glibc's realloc calling malloc, reallocarray tail-calling realloc) stack up and unwind in
 * order.
 */
public final class PendingCalls {
  /** Deepest nesting kept per thread; deeper entries push out the oldest. */
  public static final int DEPTH = 8;

  private final LongIntMap slotByTid = new LongIntMap(64);
  private int[] depth = new int[16];
  private int[] site = new int[16 * DEPTH];
  private long[] a0 = new long[16 * DEPTH];
  private long[] a1 = new long[16 * DEPTH];
  private long[] a2 = new long[16 * DEPTH];
  private long[] time = new long[16 * DEPTH];
  private int[] freeSlots = new int[16];
  private int freeCount;
  private int slotsUsed;
  private long overflows;

  private int slot(int tid, boolean create) {
    int s = slotByTid.get(tid, -1);
    if (s >= 0 || !create) {
      return s;
    }
    if (freeCount > 0) {
      s = freeSlots[--freeCount];
    } else {
      if (slotsUsed == depth.length) {
        int n = depth.length * 2;
        depth = Arrays.copyOf(depth, n);
        site = Arrays.copyOf(site, n * DEPTH);
        a0 = Arrays.copyOf(a0, n * DEPTH);
        a1 = Arrays.copyOf(a1, n * DEPTH);
        a2 = Arrays.copyOf(a2, n * DEPTH);
        time = Arrays.copyOf(time, n * DEPTH);
      }
      s = slotsUsed++;
    }
    depth[s] = 0;
    slotByTid.put(tid, s);
    return s;
  }

  /** Pushes an entry of {@code tid}. */
  public void push(int tid, int siteIndex, long arg0, long arg1, long arg2, long timeNanos) {
    int s = slot(tid, true);
    int n = depth[s];
    int base = s * DEPTH;
    if (n == DEPTH) {
      System.arraycopy(site, base + 1, site, base, DEPTH - 1);
      System.arraycopy(a0, base + 1, a0, base, DEPTH - 1);
      System.arraycopy(a1, base + 1, a1, base, DEPTH - 1);
      System.arraycopy(a2, base + 1, a2, base, DEPTH - 1);
      System.arraycopy(time, base + 1, time, base, DEPTH - 1);
      n--;
      overflows++;
    }
    int at = base + n;
    site[at] = siteIndex;
    a0[at] = arg0;
    a1[at] = arg1;
    a2[at] = arg2;
    time[at] = timeNanos;
    depth[s] = n + 1;
  }

  /**
   * Drops the entries of {@code tid} older than {@code oldestKept}: calls whose return was lost.
   *
   * @return how many were dropped
   */
  public int dropOlderThan(int tid, long oldestKept) {
    int s = slot(tid, false);
    if (s < 0) {
      return 0;
    }
    int base = s * DEPTH;
    int n = depth[s];
    int stale = 0;
    while (stale < n && time[base + stale] < oldestKept) {
      stale++;
    }
    if (stale > 0) {
      int keep = n - stale;
      System.arraycopy(site, base + stale, site, base, keep);
      System.arraycopy(a0, base + stale, a0, base, keep);
      System.arraycopy(a1, base + stale, a1, base, keep);
      System.arraycopy(a2, base + stale, a2, base, keep);
      System.arraycopy(time, base + stale, time, base, keep);
      depth[s] = keep;
    }
    return stale;
  }

  /** How many calls {@code tid} has pending. */
  public int depth(int tid) {
    int s = slot(tid, false);
    return s < 0 ? 0 : depth[s];
  }

  /**
   * Finds the newest pending entry of {@code siteIndex} of {@code tid}, drops every newer entry
   * above it (their returns were lost) and pops it.
   *
   * @return the stack position the entry had (0 = outermost), or -1 when there was none; its values
   *     are then readable with {@link #poppedArg0()} and the like
   */
  public int pop(int tid, int siteIndex) {
    int s = slot(tid, false);
    if (s < 0) {
      return -1;
    }
    int base = s * DEPTH;
    for (int k = depth[s] - 1; k >= 0; k--) {
      if (site[base + k] == siteIndex) {
        poppedArg0 = a0[base + k];
        poppedArg1 = a1[base + k];
        poppedArg2 = a2[base + k];
        poppedTime = time[base + k];
        poppedDropped = depth[s] - 1 - k;
        depth[s] = k;
        if (k == 0) {
          // a thread outside every probed call holds no slot: threads that ended need no exit
          // record to be forgotten
          removeThread(tid);
        }
        return k;
      }
    }
    return -1;
  }

  private long poppedArg0;
  private long poppedArg1;
  private long poppedArg2;
  private long poppedTime;
  private int poppedDropped;

  public long poppedArg0() {
    return poppedArg0;
  }

  public long poppedArg1() {
    return poppedArg1;
  }

  public long poppedArg2() {
    return poppedArg2;
  }

  public long poppedTime() {
    return poppedTime;
  }

  /** Entries above the popped one that were dropped as stale. */
  public int poppedDropped() {
    return poppedDropped;
  }

  /** Forgets thread {@code tid}. */
  public void removeThread(int tid) {
    int s = slotByTid.remove(tid, -1);
    if (s >= 0) {
      depth[s] = 0;
      if (freeCount == freeSlots.length) {
        freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
      }
      freeSlots[freeCount++] = s;
    }
  }

  /** Forgets every pending call of every thread (after lost events). */
  public int clear() {
    int dropped = 0;
    for (int s = 0; s < slotsUsed; s++) {
      dropped += depth[s];
      depth[s] = 0;
    }
    return dropped;
  }

  /** Times the nesting was deeper than {@link #DEPTH}. */
  public long overflows() {
    return overflows;
  }
}
