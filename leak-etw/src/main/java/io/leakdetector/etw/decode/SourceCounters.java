package io.leakdetector.etw.decode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ETW source's own counters. Each counter has one writing thread (the ProcessTrace thread for
 * the decoder's, the polling thread for the session's), so a plain read-add-write is exact; opaque
 * accesses make the values visible to the thread that reads {@link #snapshot()} without a fence per
 * event.
 */
public final class SourceCounters {
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

  /** Every event the callback saw. */
  public static final int EVENTS = 0;

  /** Heap events of the target that were decoded. */
  public static final int HEAP_EVENTS = 1;

  /** StackWalk events of the target. */
  public static final int STACK_EVENTS = 2;

  /** Heap or stack events of other processes (ignored). */
  public static final int OTHER_PROCESS_EVENTS = 3;

  /** Events of other providers (the trace header, …), ignored. */
  public static final int OTHER_EVENTS = 4;

  /** Heap events with opcodes the source does not use (create, expand, …). */
  public static final int OTHER_HEAP_EVENTS = 5;

  /** Events whose payload was shorter than their layout. */
  public static final int MALFORMED_EVENTS = 6;

  /** Heap events whose stack never came; delivered with an empty stack. */
  public static final int STACKS_MISSING = 7;

  /** StackWalk events that matched no heap event. */
  public static final int STACKS_UNMATCHED = 8;

  /** Stacks cut at the frame limit. */
  public static final int STACKS_TRUNCATED = 9;

  /** Reallocs that moved the block (their inner alloc and free events carry the change). */
  public static final int MOVING_REALLOCS = 10;

  /** Moving reallocs whose inner alloc or free event was not seen, so the realloc supplied it. */
  public static final int REALLOCS_COMPLETED = 11;

  /** Heap events delivered early because the pending table was full. */
  public static final int PENDING_OVERFLOWS = 12;

  /** Real-time lost-event notifications (RT_LostEvent). */
  public static final int RT_LOST_EVENTS = 13;

  /** Real-time lost-buffer notifications (RT_LostBuffer, RT_LostFile). */
  public static final int RT_LOST_BUFFERS = 14;

  /** Exceptions caught in the event callback (the event was dropped). */
  public static final int CALLBACK_FAILURES = 15;

  /** Events the session lost (EVENT_TRACE_PROPERTIES.EventsLost, by ControlTrace QUERY). */
  public static final int EVENTS_LOST = 16;

  /** Buffers the session could not write (LogBuffersLost). */
  public static final int LOG_BUFFERS_LOST = 17;

  /** Buffers the session could not deliver in real time (RealTimeBuffersLost). */
  public static final int REAL_TIME_BUFFERS_LOST = 18;

  /** ControlTrace QUERY calls that failed. */
  public static final int QUERY_FAILURES = 19;

  /** Stacks completed from two fragments (kernel part, then user part). */
  public static final int STACKS_MERGED = 20;

  /**
   * Heap events delivered with only the kernel part of their stack (its user part never came);
   * without kernel frames their stack is empty.
   */
  public static final int STACKS_KERNEL_ONLY = 21;

  private static final String[] NAMES = {
    "events",
    "heapEvents",
    "stackEvents",
    "otherProcessEvents",
    "otherEvents",
    "otherHeapEvents",
    "malformedEvents",
    "stacksMissing",
    "stacksUnmatched",
    "stacksTruncated",
    "movingReallocs",
    "reallocsCompleted",
    "pendingOverflows",
    "rtLostEvents",
    "rtLostBuffers",
    "callbackFailures",
    "eventsLost",
    "logBuffersLost",
    "realTimeBuffersLost",
    "queryFailures",
    "stacksMerged",
    "stacksKernelOnly",
  };

  private final long[] values = new long[NAMES.length];

  /** Adds one; only the counter's writing thread calls this. */
  public void increment(int counter) {
    add(counter, 1);
  }

  /** Adds {@code delta}; only the counter's writing thread calls this. */
  public void add(int counter, long delta) {
    SLOT.setOpaque(values, counter, (long) SLOT.getOpaque(values, counter) + delta);
  }

  /** Sets the counter; only its writing thread calls this. */
  public void set(int counter, long value) {
    SLOT.setOpaque(values, counter, value);
  }

  public long get(int counter) {
    return (long) SLOT.getOpaque(values, counter);
  }

  /** Every counter by name, in a fixed order. */
  public Map<String, Long> snapshot() {
    Map<String, Long> snapshot = new LinkedHashMap<>();
    for (int i = 0; i < NAMES.length; i++) {
      snapshot.put(NAMES[i], get(i));
    }
    return snapshot;
  }

  public static String name(int counter) {
    return NAMES[counter];
  }
}
