package io.leakdetector.etw.decode;

import static io.leakdetector.etw.decode.EventRecordOffsets.EXTENDED_DATA;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXTENDED_DATA_COUNT;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_DATA_PTR;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_DATA_SIZE;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_ITEM_SIZE;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_STACK_ADDRESSES;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_TYPE;
import static io.leakdetector.etw.decode.EventRecordOffsets.HEADER_FLAGS;
import static io.leakdetector.etw.decode.EventRecordOffsets.OPCODE;
import static io.leakdetector.etw.decode.EventRecordOffsets.PROCESS_ID;
import static io.leakdetector.etw.decode.EventRecordOffsets.PROVIDER_ID;
import static io.leakdetector.etw.decode.EventRecordOffsets.THREAD_ID;
import static io.leakdetector.etw.decode.EventRecordOffsets.TIME_STAMP;
import static io.leakdetector.etw.decode.EventRecordOffsets.USER_DATA;
import static io.leakdetector.etw.decode.EventRecordOffsets.USER_DATA_LENGTH;

import com.sun.jna.Pointer;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.NtWmi;
import io.leakdetector.spi.HeapEventSink;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Decodes the heap session's {@code EVENT_RECORD}s straight from native memory and feeds the sink:
 * heap events of the target (by provider GUID and opcode, with the payload's pointer size from the
 * header flags), each alloc and realloc paired with its StackWalk event by raw timestamp and
 * thread, whichever of the two arrives first.
 *
 * <p>Events are delivered in arrival order; an event waiting for its stack holds back the ones
 * behind it in a small ring. A wait ends when the stack arrives, when the same thread logs a later
 * heap event (ProcessTrace delivers a QPC session in time order, and a stack walk is logged by the
 * thread right after its event, so the stack will not come any more), when the ring is full, or at
 * {@link #flush()}. Such an event is delivered with an empty stack and counted.
 *
 * <p>Realloc (reference §0.2/§2.3): in place ⇒ {@code onRealloc(a, a)}. A moving realloc is also
 * logged as an inner alloc (new block) and, per PerfView, an inner free (old block); the decoder
 * remembers each thread's last alloc and free and supplies from the realloc only what was not
 * logged, so nothing is counted twice whichever way Windows behaves.
 *
 * <p>Only the ProcessTrace thread calls it. Nothing is allocated per event: the record and payload
 * are read through reusable {@link Pointer}s, frames through one scratch array.
 */
public final class HeapEventDecoder {
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

  /** Kernel addresses (TraceEvent's TraceLog.IsWindowsKernelAddress uses the same cut-offs). */
  static final long KERNEL_START_64 = 0xFFFF000000000000L;

  static final long KERNEL_START_32 = 0x80000000L;

  /** Sink calls between two batch boundaries at most. */
  static final int MAX_BATCH = 4096;

  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  private final long targetPid;
  private final HeapEventSink sink;
  private final boolean includeKernelFrames;
  private final SourceCounters counters;
  private final PendingEvents pending;
  private final PendingStacks earlyStacks;
  private final ThreadHistory history = new ThreadHistory(4096);
  private final long[] scratch = new long[MAX_FRAMES];
  private final byte[] head = new byte[EventRecordOffsets.SIZE];
  private final byte[] data = new byte[HeapPayload.STACK_FRAMES + 8 * MAX_FRAMES];
  private final Pointer payload = new Pointer(0);
  private final Pointer extended = new Pointer(0);
  private QpcClock clock = new QpcClock(10_000_000L);
  private int unknownStack = -1;
  private boolean inBatch;
  private int batchCalls;

  public HeapEventDecoder(
      long targetPid, HeapEventSink sink, boolean includeKernelFrames, SourceCounters counters) {
    this(targetPid, sink, includeKernelFrames, counters, 1024, 64);
  }

  HeapEventDecoder(
      long targetPid,
      HeapEventSink sink,
      boolean includeKernelFrames,
      SourceCounters counters,
      int pendingEvents,
      int pendingStacks) {
    this.targetPid = targetPid;
    this.sink = sink;
    this.includeKernelFrames = includeKernelFrames;
    this.counters = counters;
    this.pending = new PendingEvents(pendingEvents);
    this.earlyStacks = new PendingStacks(pendingStacks, MAX_FRAMES);
  }

  /** Sets the QPC frequency the raw timestamps count in; before the first event. */
  public void setClock(QpcClock clock) {
    this.clock = clock;
  }

  /** The event record callback's body; never throws. */
  public void onEvent(Pointer record) {
    try {
      decode(record);
    } catch (Throwable failure) {
      counters.increment(SourceCounters.CALLBACK_FAILURES);
    }
  }

  /** Called after each ETW buffer: closes the sink batch so snapshots are not held up. */
  public void endOfBuffer() {
    try {
      endBatch();
    } catch (Throwable failure) {
      counters.increment(SourceCounters.CALLBACK_FAILURES);
    }
  }

  /** Delivers every held event (without the stacks they still wait for); at the end. */
  public void flush() {
    try {
      if (!pending.isEmpty()) {
        beginBatch();
      }
      while (!pending.isEmpty()) {
        int slot = pending.headSlot();
        if (pending.stack[slot] == PendingEvents.WAITING) {
          giveUp(slot);
        }
        deliverHead();
      }
      counters.add(SourceCounters.STACKS_UNMATCHED, earlyStacks.clear());
      endBatch();
    } catch (Throwable failure) {
      counters.increment(SourceCounters.CALLBACK_FAILURES);
    }
  }

  private void decode(Pointer record) {
    counters.increment(SourceCounters.EVENTS);
    record.read(0, head, 0, head.length);
    long guidLow = (long) LONG.get(head, PROVIDER_ID);
    long guidHigh = (long) LONG.get(head, PROVIDER_ID + 8);
    int opcode = head[OPCODE] & 0xFF;
    if (guidLow == EtwGuids.HEAP_LO && guidHigh == EtwGuids.HEAP_HI) {
      onHeapEvent(record, opcode);
    } else if (guidLow == EtwGuids.STACK_LO && guidHigh == EtwGuids.STACK_HI) {
      if (opcode == OPCODE_STACK_WALK) {
        onStackWalk();
      } else {
        counters.increment(SourceCounters.OTHER_EVENTS);
      }
    } else if (guidLow == EtwGuids.LOST_LO && guidHigh == EtwGuids.LOST_HI) {
      counters.increment(
          opcode == OPCODE_RT_LOST_EVENT
              ? SourceCounters.RT_LOST_EVENTS
              : SourceCounters.RT_LOST_BUFFERS);
    } else {
      counters.increment(SourceCounters.OTHER_EVENTS);
    }
  }

  private void onHeapEvent(Pointer record, int opcode) {
    if (opcode != OPCODE_ALLOC
        && opcode != OPCODE_REALLOC
        && opcode != OPCODE_FREE
        && opcode != OPCODE_DESTROY) {
      counters.increment(SourceCounters.OTHER_HEAP_EVENTS);
      return;
    }
    if (Integer.toUnsignedLong((int) INT.get(head, PROCESS_ID)) != targetPid) {
      counters.increment(SourceCounters.OTHER_PROCESS_EVENTS);
      return;
    }
    int p = pointerSize();
    int length = userDataLength();
    int required = requiredLength(opcode, p);
    if (length < required) {
      counters.increment(SourceCounters.MALFORMED_EVENTS);
      return;
    }
    counters.increment(SourceCounters.HEAP_EVENTS);
    beginBatch();
    readPayload(required);
    int tid = (int) INT.get(head, THREAD_ID);
    long time = (long) LONG.get(head, TIME_STAMP);
    long heap = word(HeapPayload.HEAP_HANDLE, p);
    endWaitsOf(tid, time);
    if (pending.isFull()) {
      counters.increment(SourceCounters.PENDING_OVERFLOWS);
      giveUp(pending.headSlot());
      drain();
    }
    if (opcode == OPCODE_ALLOC) {
      long address = word(HeapPayload.allocAddress(p), p);
      long size = word(HeapPayload.allocSize(p), p);
      history.onAlloc(tid, heap, address);
      pending.add(
          PendingEvents.ALLOC, time, tid, heap, address, 0, size, stackFor(record, time, tid));
    } else if (opcode == OPCODE_FREE) {
      long address = word(HeapPayload.freeAddress(p), p);
      history.onFree(tid, heap, address);
      pending.add(PendingEvents.FREE, time, tid, heap, address, 0, 0, PendingEvents.NOT_NEEDED);
    } else if (opcode == OPCODE_DESTROY) {
      history.onOther(tid);
      pending.add(PendingEvents.DESTROY, time, tid, heap, 0, 0, 0, PendingEvents.NOT_NEEDED);
    } else {
      long newAddress = word(HeapPayload.reallocNewAddress(p), p);
      long oldAddress = word(HeapPayload.reallocOldAddress(p), p);
      long newSize = word(HeapPayload.reallocNewSize(p), p);
      byte kind = reallocKind(tid, heap, newAddress, oldAddress);
      history.onOther(tid);
      pending.add(
          kind, time, tid, heap, newAddress, oldAddress, newSize, stackFor(record, time, tid));
    }
    drain();
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

  /** The stack state of a new alloc/realloc: an extended-data stack, an early stack, or WAITING. */
  private int stackFor(Pointer record, long time, int tid) {
    int fromExtended = extendedStack(record);
    if (fromExtended != PendingEvents.WAITING) {
      return fromExtended;
    }
    int early = earlyStacks.find(time, tid);
    if (early < 0) {
      return PendingEvents.WAITING;
    }
    int frames = earlyStacks.copy(early, scratch);
    earlyStacks.remove(early);
    return intern(frames);
  }

  /** A stack carried in the event's own extended data (STACK_TRACE64/32), if any. */
  private int extendedStack(Pointer record) {
    int flags = (short) SHORT.get(head, HEADER_FLAGS) & 0xFFFF;
    int items = (short) SHORT.get(head, EXTENDED_DATA_COUNT) & 0xFFFF;
    if ((flags & EventTracing.EVENT_HEADER_FLAG_EXTENDED_INFO) == 0 || items == 0) {
      return PendingEvents.WAITING;
    }
    long base = (long) LONG.get(head, EXTENDED_DATA);
    for (int i = 0; i < items; i++) {
      Pointer.nativeValue(extended, base + (long) i * EXT_ITEM_SIZE);
      int type = extended.getShort(EXT_TYPE) & 0xFFFF;
      int frameSize =
          type == EventTracing.EVENT_HEADER_EXT_TYPE_STACK_TRACE64
              ? 8
              : type == EventTracing.EVENT_HEADER_EXT_TYPE_STACK_TRACE32 ? 4 : 0;
      if (frameSize == 0) {
        continue;
      }
      int dataSize = extended.getShort(EXT_DATA_SIZE) & 0xFFFF;
      long data = extended.getLong(EXT_DATA_PTR);
      Pointer.nativeValue(extended, data);
      int count = Math.max(0, (dataSize - EXT_STACK_ADDRESSES) / frameSize);
      int frames = copyFrames(extended, count, frameSize);
      return intern(frames);
    }
    return PendingEvents.WAITING;
  }

  private void onStackWalk() {
    int length = userDataLength();
    if (length < HeapPayload.STACK_FRAMES) {
      counters.increment(SourceCounters.MALFORMED_EVENTS);
      return;
    }
    int frameSize = pointerSize();
    int count = (length - HeapPayload.STACK_FRAMES) / frameSize;
    if (count > MAX_FRAMES) {
      counters.increment(SourceCounters.STACKS_TRUNCATED);
      count = MAX_FRAMES;
    }
    readPayload(HeapPayload.STACK_FRAMES + count * frameSize);
    long process = Integer.toUnsignedLong((int) INT.get(data, HeapPayload.STACK_PROCESS));
    if (process != targetPid) {
      counters.increment(SourceCounters.OTHER_PROCESS_EVENTS);
      return;
    }
    counters.increment(SourceCounters.STACK_EVENTS);
    beginBatch();
    long time = (long) LONG.get(data, HeapPayload.STACK_EVENT_TIME_STAMP);
    int tid = (int) INT.get(data, HeapPayload.STACK_THREAD);
    int frames = 0;
    for (int i = 0; i < count; i++) {
      frames = keep(word(HeapPayload.STACK_FRAMES + i * frameSize, frameSize), frameSize, frames);
    }
    int slot = pending.findWaiting(time, tid);
    if (slot >= 0) {
      pending.stack[slot] = intern(frames);
      drain();
    } else if (!earlyStacks.put(time, tid, scratch, frames)) {
      counters.increment(SourceCounters.STACKS_UNMATCHED);
    }
  }

  /** Copies extended-data frames (after the 8-byte MatchId) into the scratch array. */
  private int copyFrames(Pointer source, int count, int frameSize) {
    if (count > MAX_FRAMES) {
      counters.increment(SourceCounters.STACKS_TRUNCATED);
    }
    int n = Math.min(count, MAX_FRAMES);
    int kept = 0;
    for (int i = 0; i < n; i++) {
      long offset = EXT_STACK_ADDRESSES + (long) i * frameSize;
      long frame =
          frameSize == 8 ? source.getLong(offset) : Integer.toUnsignedLong(source.getInt(offset));
      kept = keep(frame, frameSize, kept);
    }
    return kept;
  }

  /** Appends a frame to the scratch array unless it is a kernel frame to drop. */
  private int keep(long frame, int frameSize, int count) {
    if (includeKernelFrames || !isKernel(frame, frameSize)) {
      scratch[count++] = frame;
    }
    return count;
  }

  static boolean isKernel(long address, int frameSize) {
    return frameSize == 8
        ? Long.compareUnsigned(address, KERNEL_START_64) >= 0
        : address >= KERNEL_START_32;
  }

  /**
   * A thread that logs a new heap event has finished the earlier ones: their stacks will not come,
   * and stacks of its older events that are still unclaimed belong to no event.
   */
  private void endWaitsOf(int tid, long time) {
    for (int i = 0; i < pending.count(); i++) {
      int slot = pending.slot(i);
      if (pending.stack[slot] == PendingEvents.WAITING
          && pending.thread[slot] == tid
          && pending.time[slot] < time) {
        giveUp(slot);
      }
    }
    counters.add(SourceCounters.STACKS_UNMATCHED, earlyStacks.dropOlder(tid, time));
  }

  private void giveUp(int slot) {
    if (pending.stack[slot] == PendingEvents.WAITING) {
      pending.stack[slot] = PendingEvents.MISSING;
      counters.increment(SourceCounters.STACKS_MISSING);
    }
  }

  private void drain() {
    while (!pending.isEmpty() && pending.stack[pending.headSlot()] != PendingEvents.WAITING) {
      deliverHead();
    }
  }

  private void deliverHead() {
    int slot = pending.headSlot();
    byte kind = pending.kind[slot];
    long nanos = clock.toNanos(pending.time[slot]);
    long heap = pending.heap[slot];
    switch (kind) {
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

  /** Interns the scratch frames; a sink that cannot (-1) gets -1 back at delivery. */
  private int intern(int frames) {
    int id = sink.internStack(scratch, 0, frames);
    return id >= 0 ? id : PendingEvents.INTERN_FAILED;
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
      unknownStack = sink.internStack(scratch, 0, 0);
    }
    return unknownStack;
  }

  private void beginBatch() {
    if (!inBatch) {
      sink.beginBatch();
      inBatch = true;
      batchCalls = 0;
    }
  }

  private void endBatch() {
    if (inBatch) {
      inBatch = false;
      sink.endBatch();
    }
  }

  private int pointerSize() {
    int flags = (short) SHORT.get(head, HEADER_FLAGS) & 0xFFFF;
    return (flags & EventTracing.EVENT_HEADER_FLAG_32_BIT_HEADER) != 0 ? 4 : 8;
  }

  private int userDataLength() {
    return (short) SHORT.get(head, USER_DATA_LENGTH) & 0xFFFF;
  }

  /** Copies the first {@code length} payload bytes (at most the array's size) in one read. */
  private void readPayload(int length) {
    Pointer.nativeValue(payload, (long) LONG.get(head, USER_DATA));
    payload.read(0, data, 0, Math.min(length, data.length));
  }

  /** A pointer-sized payload field. */
  private long word(int offset, int size) {
    return size == 8
        ? (long) LONG.get(data, offset)
        : Integer.toUnsignedLong((int) INT.get(data, offset));
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
