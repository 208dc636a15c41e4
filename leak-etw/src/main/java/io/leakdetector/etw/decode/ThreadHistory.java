package io.leakdetector.etw.decode;

/**
 * Each thread's most recent heap alloc and free, so that a moving realloc can tell whether its
 * inner alloc and free events were logged (PerfView relies on them; the reference marks it
 * unconfirmed). A direct-mapped table by thread id: a thread whose slot another thread took has no
 * history, and its next moving realloc is delivered as a whole realloc instead.
 */
final class ThreadHistory {
  /** A realloc's inner events are among the thread's last this many heap events. */
  static final int INNER_WINDOW = 2;

  private final int mask;
  private final int[] thread;
  private final boolean[] used;
  private final long[] sequence;
  private final long[] allocHeap;
  private final long[] allocAddress;
  private final long[] allocSequence;
  private final long[] freeHeap;
  private final long[] freeAddress;
  private final long[] freeSequence;

  ThreadHistory(int capacityPowerOfTwo) {
    mask = capacityPowerOfTwo - 1;
    thread = new int[capacityPowerOfTwo];
    used = new boolean[capacityPowerOfTwo];
    sequence = new long[capacityPowerOfTwo];
    allocHeap = new long[capacityPowerOfTwo];
    allocAddress = new long[capacityPowerOfTwo];
    allocSequence = new long[capacityPowerOfTwo];
    freeHeap = new long[capacityPowerOfTwo];
    freeAddress = new long[capacityPowerOfTwo];
    freeSequence = new long[capacityPowerOfTwo];
  }

  void onAlloc(int tid, long heap, long address) {
    int slot = slotOf(tid);
    long seq = ++sequence[slot];
    allocHeap[slot] = heap;
    allocAddress[slot] = address;
    allocSequence[slot] = seq;
  }

  void onFree(int tid, long heap, long address) {
    int slot = slotOf(tid);
    long seq = ++sequence[slot];
    freeHeap[slot] = heap;
    freeAddress[slot] = address;
    freeSequence[slot] = seq;
  }

  /** Counts another heap event of the thread (a realloc or destroy). */
  void onOther(int tid) {
    sequence[slotOf(tid)]++;
  }

  /** Whether the thread's last few events include an alloc of (heap, address). */
  boolean recentAlloc(int tid, long heap, long address) {
    int slot = slotOf(tid);
    return allocSequence[slot] > 0
        && allocSequence[slot] > sequence[slot] - INNER_WINDOW
        && allocHeap[slot] == heap
        && allocAddress[slot] == address;
  }

  /** Whether the thread's last few events include a free of (heap, address). */
  boolean recentFree(int tid, long heap, long address) {
    int slot = slotOf(tid);
    return freeSequence[slot] > 0
        && freeSequence[slot] > sequence[slot] - INNER_WINDOW
        && freeHeap[slot] == heap
        && freeAddress[slot] == address;
  }

  private int slotOf(int tid) {
    int slot = (tid * 0x9E3779B9 >>> 16) & mask;
    if (!used[slot] || thread[slot] != tid) {
      used[slot] = true;
      thread[slot] = tid;
      sequence[slot] = 0;
      allocSequence[slot] = 0;
      freeSequence[slot] = 0;
    }
    return slot;
  }
}
