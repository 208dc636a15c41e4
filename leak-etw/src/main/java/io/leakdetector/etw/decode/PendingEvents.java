package io.leakdetector.etw.decode;

/**
 * Heap events in arrival order, held until their stack arrives so that the sink sees every event in
 * order and each allocation with its stack. A bounded ring of primitive columns: nothing is
 * allocated per event.
 */
final class PendingEvents {
  static final byte ALLOC = 1;
  static final byte REALLOC = 2;
  static final byte FREE = 3;
  static final byte DESTROY = 4;

  /** A moving realloc whose inner free was not seen: delivered as a free of the old block. */
  static final byte FREE_FROM_REALLOC = 5;

  /** A moving realloc whose inner alloc was not seen: delivered as an alloc of the new block. */
  static final byte ALLOC_FROM_REALLOC = 6;

  /** A moving realloc fully described by its inner events: only its stack is consumed. */
  static final byte SWALLOW = 7;

  /** Stack state: waiting for a StackWalk event. */
  static final int WAITING = -1;

  /** Stack state: the event needs none. */
  static final int NOT_NEEDED = -2;

  /** Stack state: given up waiting. */
  static final int MISSING = -3;

  /** Stack state: the sink could not intern the stack (it returned -1). */
  static final int INTERN_FAILED = -4;

  private final int mask;
  final byte[] kind;
  final long[] time;
  final int[] thread;
  final long[] heap;
  final long[] address;
  final long[] oldAddress;
  final long[] size;
  final int[] stack;
  private int head;
  private int count;

  PendingEvents(int capacityPowerOfTwo) {
    if (Integer.bitCount(capacityPowerOfTwo) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two");
    }
    mask = capacityPowerOfTwo - 1;
    kind = new byte[capacityPowerOfTwo];
    time = new long[capacityPowerOfTwo];
    thread = new int[capacityPowerOfTwo];
    heap = new long[capacityPowerOfTwo];
    address = new long[capacityPowerOfTwo];
    oldAddress = new long[capacityPowerOfTwo];
    size = new long[capacityPowerOfTwo];
    stack = new int[capacityPowerOfTwo];
  }

  boolean isEmpty() {
    return count == 0;
  }

  boolean isFull() {
    return count == kind.length;
  }

  int count() {
    return count;
  }

  /** The slot of the {@code i}-th event from the oldest. */
  int slot(int i) {
    return (head + i) & mask;
  }

  int headSlot() {
    return head;
  }

  void removeHead() {
    head = (head + 1) & mask;
    count--;
  }

  /** Appends an event (the ring must not be full) and returns its slot. */
  int add(
      byte eventKind,
      long eventTime,
      int eventThread,
      long eventHeap,
      long eventAddress,
      long eventOldAddress,
      long eventSize,
      int stackState) {
    int slot = (head + count) & mask;
    kind[slot] = eventKind;
    time[slot] = eventTime;
    thread[slot] = eventThread;
    heap[slot] = eventHeap;
    address[slot] = eventAddress;
    oldAddress[slot] = eventOldAddress;
    size[slot] = eventSize;
    stack[slot] = stackState;
    count++;
    return slot;
  }

  /** The oldest event waiting for the stack of ({@code eventTime}, {@code eventThread}), or -1. */
  int findWaiting(long eventTime, int eventThread) {
    for (int i = 0; i < count; i++) {
      int slot = (head + i) & mask;
      if (stack[slot] == WAITING && time[slot] == eventTime && thread[slot] == eventThread) {
        return slot;
      }
    }
    return -1;
  }
}
