package io.leakdetector.etw.decode;

import com.sun.jna.Pointer;
import io.leakdetector.etw.win32.NtWmi;
import io.leakdetector.spi.HeapEventSink;

/**
 * Decodes the heap session's events and feeds the sink: heap events of the target (by provider GUID
 * and opcode, the payload's pointer size from the header flags), each alloc and realloc with its
 * stack. The work is split by job: {@link EventView} reads a record, {@link StackMatcher} pairs
 * StackWalk fragments with events, {@link OrderedDelivery} hands events to the sink in order.
 *
 * <p>An event waiting for its stack holds back the ones behind it. The wait ends when the stack is
 * complete, when the same thread logs a later heap event (ProcessTrace delivers a QPC session in
 * time order, and a stack walk is logged by the thread before it returns to user mode, so the stack
 * will not come any more), when the ring is full, or at {@link #flush()}. Such an event is
 * delivered with the kernel part of its stack if that came, else with an empty stack, and counted.
 *
 * <p>Realloc (FACTS.md, "Heap events"): in place ⇒ {@code onRealloc(a, a)}. A moving realloc is
 * also logged as an inner alloc (new block) and, per PerfView, an inner free (old block); the
 * decoder remembers each thread's last alloc and free and supplies from the realloc only what was
 * not logged, so nothing is counted twice whichever way Windows behaves.
 *
 * <p>Only the ProcessTrace thread calls it. Nothing is allocated per event.
 */
public final class HeapEventDecoder implements RecordConsumer {
  /** Heap opcodes (EventDescriptor.Opcode): the low byte of the PERFINFO hook ids. */
  public static final int OPCODE_ALLOC = NtWmi.PERFINFO_LOG_TYPE_HEAP_ALLOC & 0xFF;

  public static final int OPCODE_REALLOC = NtWmi.PERFINFO_LOG_TYPE_HEAP_REALLOC & 0xFF;
  public static final int OPCODE_DESTROY = NtWmi.PERFINFO_LOG_TYPE_HEAP_DESTROY & 0xFF;
  public static final int OPCODE_FREE = NtWmi.PERFINFO_LOG_TYPE_HEAP_FREE & 0xFF;
  public static final int OPCODE_STACK_WALK = NtWmi.PERFINFO_LOG_TYPE_STACKWALK & 0xFF;

  /** RT_LostEvent opcodes: 32 lost event, 33 lost buffer, 34 lost file (MOF Lost_Event). */
  static final int OPCODE_RT_LOST_EVENT = 32;

  /** Frames kept per stack; StackWalk events carry up to 192 (StackWalk_Event class doc). */
  public static final int MAX_FRAMES = 256;

  private final TracedProcesses processes;
  private final SourceCounters counters;
  private final CallbackFailures failures;
  private final EventView event = new EventView(HeapPayload.STACK_FRAMES + 8 * MAX_FRAMES);
  private final OrderedDelivery delivery;
  private final PendingEvents pending;
  private final StackMatcher stacks;
  private final ThreadHistory history = new ThreadHistory(4096);
  private final long[] frames = new long[MAX_FRAMES];

  /** A decoder of one process's heap events. */
  public HeapEventDecoder(
      long targetPid,
      HeapEventSink sink,
      boolean includeKernelFrames,
      SourceCounters counters,
      CallbackFailures failures) {
    this(
        new TracedProcesses(targetPid, false, io.leakdetector.spi.StreamListener.NONE),
        sink,
        includeKernelFrames,
        counters,
        failures,
        1024,
        64);
  }

  /** A decoder of the heap events of {@code processes}. */
  public HeapEventDecoder(
      TracedProcesses processes,
      HeapEventSink sink,
      boolean includeKernelFrames,
      SourceCounters counters,
      CallbackFailures failures) {
    this(processes, sink, includeKernelFrames, counters, failures, 1024, 64);
  }

  HeapEventDecoder(
      long targetPid,
      HeapEventSink sink,
      boolean includeKernelFrames,
      SourceCounters counters,
      CallbackFailures failures,
      int pendingEvents,
      int pendingStacks) {
    this(
        new TracedProcesses(targetPid, false, io.leakdetector.spi.StreamListener.NONE),
        sink,
        includeKernelFrames,
        counters,
        failures,
        pendingEvents,
        pendingStacks);
  }

  private HeapEventDecoder(
      TracedProcesses processes,
      HeapEventSink sink,
      boolean includeKernelFrames,
      SourceCounters counters,
      CallbackFailures failures,
      int pendingEvents,
      int pendingStacks) {
    this.processes = processes;
    this.counters = counters;
    this.failures = failures;
    this.delivery = new OrderedDelivery(sink, pendingEvents);
    this.pending = delivery.pending();
    this.stacks = new StackMatcher(sink, includeKernelFrames, counters, pendingStacks, MAX_FRAMES);
  }

  /** Sets the QPC frequency the raw timestamps count in; before the first event. */
  public void setClock(QpcClock clock) {
    delivery.setClock(clock);
  }

  @Override
  public void onEvent(Pointer record) {
    try {
      decode(record);
    } catch (Throwable failure) {
      counters.increment(SourceCounters.CALLBACK_FAILURES);
      failures.record("heap event callback", failure);
    }
  }

  /** Called after each ETW buffer: closes the sink batch so snapshots are not held up. */
  @Override
  public void endOfBuffer() {
    try {
      delivery.endBatch();
    } catch (Throwable failure) {
      counters.increment(SourceCounters.CALLBACK_FAILURES);
      failures.record("buffer callback", failure);
    }
  }

  /** Delivers every held event (without the stacks they still wait for); at the end. */
  @Override
  public void flush() {
    try {
      if (!pending.isEmpty()) {
        delivery.beginBatch();
      }
      while (!pending.isEmpty()) {
        endWait(pending.headSlot());
        delivery.deliverHead();
      }
      stacks.clear();
      delivery.endBatch();
    } catch (Throwable failure) {
      counters.increment(SourceCounters.CALLBACK_FAILURES);
      failures.record("final delivery", failure);
    }
  }

  private void decode(Pointer record) {
    counters.increment(SourceCounters.EVENTS);
    event.read(record);
    int opcode = event.opcode();
    if (event.isProvider(EtwGuids.HEAP_LO, EtwGuids.HEAP_HI)) {
      onHeapEvent(opcode);
    } else if (event.isProvider(EtwGuids.STACK_LO, EtwGuids.STACK_HI)) {
      if (opcode == OPCODE_STACK_WALK) {
        onStackWalk();
      } else {
        counters.increment(SourceCounters.OTHER_EVENTS);
      }
    } else if (event.isProvider(EtwGuids.LOST_LO, EtwGuids.LOST_HI)) {
      counters.increment(
          opcode == OPCODE_RT_LOST_EVENT
              ? SourceCounters.RT_LOST_EVENTS
              : SourceCounters.RT_LOST_BUFFERS);
    } else {
      counters.increment(SourceCounters.OTHER_EVENTS);
    }
  }

  private void onHeapEvent(int opcode) {
    if (opcode != OPCODE_ALLOC
        && opcode != OPCODE_REALLOC
        && opcode != OPCODE_FREE
        && opcode != OPCODE_DESTROY) {
      counters.increment(SourceCounters.OTHER_HEAP_EVENTS);
      return;
    }
    if (!processes.acceptHeapEvent(event.processId())) {
      counters.increment(SourceCounters.OTHER_PROCESS_EVENTS);
      return;
    }
    int p = event.pointerSize();
    int required = requiredLength(opcode, p);
    if (event.userDataLength() < required) {
      counters.increment(SourceCounters.MALFORMED_EVENTS);
      return;
    }
    counters.increment(SourceCounters.HEAP_EVENTS);
    delivery.beginBatch();
    event.readPayload(required);
    int tid = event.threadId();
    long time = event.timeStamp();
    long heap = event.word(HeapPayload.HEAP_HANDLE, p);
    endWaitsOf(tid, time);
    if (pending.isFull()) {
      counters.increment(SourceCounters.PENDING_OVERFLOWS);
      endWait(pending.headSlot());
      delivery.drain();
    }
    if (opcode == OPCODE_ALLOC) {
      long address = event.word(HeapPayload.allocAddress(p), p);
      long size = event.word(HeapPayload.allocSize(p), p);
      history.onAlloc(tid, heap, address);
      pending.add(PendingEvents.ALLOC, time, tid, heap, address, 0, size, stackFor(time, tid));
    } else if (opcode == OPCODE_FREE) {
      long address = event.word(HeapPayload.freeAddress(p), p);
      history.onFree(tid, heap, address);
      pending.add(PendingEvents.FREE, time, tid, heap, address, 0, 0, PendingEvents.NOT_NEEDED);
    } else if (opcode == OPCODE_DESTROY) {
      history.onOther(tid);
      pending.add(PendingEvents.DESTROY, time, tid, heap, 0, 0, 0, PendingEvents.NOT_NEEDED);
    } else {
      long newAddress = event.word(HeapPayload.reallocNewAddress(p), p);
      long oldAddress = event.word(HeapPayload.reallocOldAddress(p), p);
      long newSize = event.word(HeapPayload.reallocNewSize(p), p);
      byte kind = reallocKind(tid, heap, newAddress, oldAddress);
      history.onOther(tid);
      pending.add(kind, time, tid, heap, newAddress, oldAddress, newSize, stackFor(time, tid));
    }
    delivery.drain();
  }

  private byte reallocKind(int tid, long heap, long newAddress, long oldAddress) {
    if (newAddress == oldAddress) {
      return PendingEvents.REALLOC;
    }
    counters.increment(SourceCounters.MOVING_REALLOCS);
    boolean allocSeen = history.recentAlloc(tid, heap, newAddress);
    boolean freeSeen = history.recentFree(tid, heap, oldAddress);
    if (allocSeen && freeSeen) {
      return PendingEvents.SWALLOW;
    }
    counters.increment(SourceCounters.REALLOCS_COMPLETED);
    if (allocSeen) {
      return PendingEvents.FREE_FROM_REALLOC;
    }
    return freeSeen ? PendingEvents.ALLOC_FROM_REALLOC : PendingEvents.REALLOC;
  }

  /** A new alloc/realloc's stack: from its extended data, a complete early stack, or WAITING. */
  private int stackFor(long time, int tid) {
    int extended = event.extendedStack(frames);
    if (extended >= 0) {
      return stacks.internDirect(frames, extended, event.lastFrameSize());
    }
    int early = stacks.find(time, tid);
    return early >= 0 && stacks.complete(early) ? stacks.take(early) : PendingEvents.WAITING;
  }

  private void onStackWalk() {
    int length = event.userDataLength();
    if (length < HeapPayload.STACK_FRAMES) {
      counters.increment(SourceCounters.MALFORMED_EVENTS);
      return;
    }
    int frameSize = event.pointerSize();
    int count = (length - HeapPayload.STACK_FRAMES) / frameSize;
    if (count > MAX_FRAMES) {
      counters.increment(SourceCounters.STACKS_TRUNCATED);
      count = MAX_FRAMES;
    }
    event.readPayload(HeapPayload.STACK_FRAMES + count * frameSize);
    if (!processes.acceptHeapEvent(event.u32(HeapPayload.STACK_PROCESS))) {
      counters.increment(SourceCounters.OTHER_PROCESS_EVENTS);
      return;
    }
    counters.increment(SourceCounters.STACK_EVENTS);
    delivery.beginBatch();
    long time = event.u64(HeapPayload.STACK_EVENT_TIME_STAMP);
    int tid = (int) event.u32(HeapPayload.STACK_THREAD);
    for (int i = 0; i < count; i++) {
      frames[i] = event.word(HeapPayload.STACK_FRAMES + i * frameSize, frameSize);
    }
    if (stacks.find(time, tid) < 0
        && StackMatcher.userOnly(frames, count, frameSize)
        && pending.findWaiting(time, tid) < 0
        && stacks.completeKernelHalves(tid, time, frames, count, t -> completeWaiting(t, tid))
            > 0) {
      delivery.drain(); // the user half of stacks whose kernel half came alone
      return;
    }
    int slot = stacks.add(time, tid, frames, count, frameSize);
    if (stacks.complete(slot)) {
      int waiting = pending.findWaiting(time, tid);
      if (waiting >= 0) {
        pending.stack[waiting] = stacks.take(slot);
        delivery.drain();
      }
    }
  }

  /** Gives a waiting event of (time, tid) the stack just completed for it. */
  private void completeWaiting(long time, int tid) {
    int waiting = pending.findWaiting(time, tid);
    if (waiting >= 0) {
      pending.stack[waiting] = stacks.take(stacks.find(time, tid));
    }
  }

  /**
   * A thread that logs a new heap event has finished the earlier ones: their stacks are as complete
   * as they will get, and its older fragments that are still unclaimed belong to no event.
   */
  private void endWaitsOf(int tid, long time) {
    for (int i = 0; i < pending.count(); i++) {
      int slot = pending.slot(i);
      if (pending.stack[slot] == PendingEvents.WAITING
          && pending.thread[slot] == tid
          && pending.time[slot] < time) {
        endWait(slot);
      }
    }
    stacks.dropOlder(tid, time);
  }

  /** Ends an event's wait: with the kernel half of its stack if that came, else without one. */
  private void endWait(int slot) {
    if (pending.stack[slot] != PendingEvents.WAITING) {
      return;
    }
    int partial = stacks.find(pending.time[slot], pending.thread[slot]);
    if (partial >= 0) {
      counters.increment(SourceCounters.STACKS_KERNEL_ONLY);
      pending.stack[slot] = stacks.take(partial);
    } else {
      pending.stack[slot] = PendingEvents.MISSING;
      counters.increment(SourceCounters.STACKS_MISSING);
    }
  }

  private static int requiredLength(int opcode, int p) {
    if (opcode == OPCODE_ALLOC) {
      return HeapPayload.allocLength(p);
    }
    if (opcode == OPCODE_REALLOC) {
      return HeapPayload.reallocLength(p);
    }
    if (opcode == OPCODE_FREE) {
      return HeapPayload.freeLength(p);
    }
    return HeapPayload.destroyLength(p);
  }
}
