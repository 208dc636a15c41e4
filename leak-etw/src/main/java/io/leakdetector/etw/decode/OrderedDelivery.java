package io.leakdetector.etw.decode;

import io.leakdetector.spi.HeapEventSink;

/**
 * Hands heap events to the sink in arrival order: an event waiting for its stack holds back the
 * ones behind it in a bounded ring ({@link PendingEvents}). Sink calls are batched: a batch ends at
 * each ETW buffer and after {@link #MAX_BATCH} calls, so snapshots are not held up.
 */
final class OrderedDelivery {
  /** Sink calls between two batch boundaries at most. */
  static final int MAX_BATCH = 4096;

  private final HeapEventSink sink;
  private final PendingEvents pending;
  private final long[] noFrames = new long[0];
  private QpcClock clock = new QpcClock(10_000_000L);
  private int unknownStack = -1;
  private boolean inBatch;
  private int batchCalls;

  OrderedDelivery(HeapEventSink sink, int capacity) {
    this.sink = sink;
    this.pending = new PendingEvents(capacity);
  }

  void setClock(QpcClock clock) {
    this.clock = clock;
  }

  PendingEvents pending() {
    return pending;
  }

  /** Delivers the events at the head that no longer wait. */
  void drain() {
    while (!pending.isEmpty() && pending.stack[pending.headSlot()] != PendingEvents.WAITING) {
      deliverHead();
    }
  }

  /** Delivers the head event whatever its state (its wait must have been ended). */
  void deliverHead() {
    int slot = pending.headSlot();
    long nanos = clock.toNanos(pending.time[slot]);
    long heap = pending.heap[slot];
    switch (pending.kind[slot]) {
      case PendingEvents.ALLOC, PendingEvents.ALLOC_FROM_REALLOC ->
          sink.onAlloc(nanos, heap, pending.address[slot], pending.size[slot], stackOf(slot));
      case PendingEvents.REALLOC ->
          sink.onRealloc(
              nanos,
              heap,
              pending.oldAddress[slot],
              pending.address[slot],
              pending.size[slot],
              stackOf(slot));
      case PendingEvents.FREE -> sink.onFree(nanos, heap, pending.address[slot]);
      case PendingEvents.FREE_FROM_REALLOC -> sink.onFree(nanos, heap, pending.oldAddress[slot]);
      case PendingEvents.DESTROY -> sink.onHeapDestroy(nanos, heap);
      default -> {
        // SWALLOW: the inner alloc and free carried the change.
      }
    }
    pending.removeHead();
    if (++batchCalls >= MAX_BATCH) {
      endBatch();
      beginBatch();
    }
  }

  private int stackOf(int slot) {
    int stack = pending.stack[slot];
    if (stack >= 0) {
      return stack;
    }
    if (stack == PendingEvents.INTERN_FAILED) {
      return -1;
    }
    if (unknownStack < 0) {
      unknownStack = sink.internStack(noFrames, 0, 0);
    }
    return unknownStack;
  }

  void beginBatch() {
    if (!inBatch) {
      sink.beginBatch();
      inBatch = true;
      batchCalls = 0;
    }
  }

  void endBatch() {
    if (inBatch) {
      inBatch = false;
      sink.endBatch();
    }
  }
}
