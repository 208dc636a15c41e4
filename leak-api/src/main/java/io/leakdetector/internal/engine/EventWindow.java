package io.leakdetector.internal.engine;

/**
 * The last few events of a burst, held back so that the allocation table's cache line for an event
 * is requested several events before the event is applied.
 *
 * <p>Applying an event branches on what its table lookup finds; while that load misses the cache
 * the processor cannot run ahead, so events applied as they come wait for memory one after another.
 * Requesting the line when the event arrives and applying it {@link #SIZE} events later keeps
 * several misses in flight instead. Events keep their order; the engine drains the window before
 * anyone can look (end of burst, snapshot).
 *
 * <p>A ring of primitive columns: nothing is allocated per event. Not thread-safe.
 */
final class EventWindow {
  static final int SIZE = 8;
  private static final int MASK = SIZE - 1;

  static final byte ALLOC = 0;
  static final byte FREE = 1;
  static final byte REALLOC = 2;
  static final byte DESTROY = 3;

  final byte[] kind = new byte[SIZE];
  final long[] time = new long[SIZE];
  final long[] heap = new long[SIZE];
  final long[] address = new long[SIZE];
  final long[] newAddress = new long[SIZE];
  final long[] size = new long[SIZE];
  final int[] stack = new int[SIZE];
  private int head;
  private int count;

  boolean full() {
    return count == SIZE;
  }

  boolean isEmpty() {
    return count == 0;
  }

  /** Adds an event at the tail; the window must not be full. */
  void add(byte k, long t, long h, long a, long a2, long s, int stackId) {
    int i = (head + count) & MASK;
    kind[i] = k;
    time[i] = t;
    heap[i] = h;
    address[i] = a;
    newAddress[i] = a2;
    size[i] = s;
    stack[i] = stackId;
    count++;
  }

  /** Removes the oldest event and returns its index in the columns, valid until the next add. */
  int poll() {
    int i = head;
    head = (head + 1) & MASK;
    count--;
    return i;
  }
}
