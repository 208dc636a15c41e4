package io.leakdetector.export.otel;

import io.opentelemetry.api.common.AttributeKey;

/**
 * Names, units and attribute keys of the instruments LeakDetector reports. Counters carry the
 * cumulative totals since tracing started; gauges carry the value at the latest snapshot.
 */
@SuppressWarnings("exports") // OpenTelemetry API types; see module-info
public final class LeakMetrics {
  private LeakMetrics() {}

  /** Counter: allocations seen (a realloc counts as one free and one allocation). */
  public static final String ALLOCATIONS = "leak.allocations";

  /** Counter: frees of allocations that were seen. */
  public static final String FREES = "leak.frees";

  /** Counter: bytes requested by the allocations seen. */
  public static final String ALLOCATED_BYTES = "leak.allocated.bytes";

  /** Counter: bytes of the allocations freed. */
  public static final String FREED_BYTES = "leak.freed.bytes";

  /** Gauge: bytes allocated and not yet freed. */
  public static final String OUTSTANDING_BYTES = "leak.outstanding.bytes";

  /** Gauge: allocations not yet freed. */
  public static final String OUTSTANDING_ALLOCATIONS = "leak.outstanding.allocations";

  /** Gauge: distinct call stacks holding outstanding allocations. */
  public static final String STACKS = "leak.stacks";

  /** Counter: events the operating system dropped (a lost free shows as a false leak). */
  public static final String LOST_EVENTS = "leak.lost.events";

  /** Counter: frees of addresses not known to be allocated. */
  public static final String UNMATCHED_FREES = "leak.unmatched.frees";

  /** Counter: allocations that could not be recorded because memory ran short. */
  public static final String DROPPED_ALLOCATIONS = "leak.dropped.allocations";

  /** Gauge per reported stack: bytes allocated on the stack and not yet freed. */
  public static final String STACK_OUTSTANDING_BYTES = "leak.stack.outstanding.bytes";

  /** Gauge per reported stack: allocations made on the stack and not yet freed. */
  public static final String STACK_OUTSTANDING_ALLOCATIONS = "leak.stack.outstanding.allocations";

  /** Unit of byte amounts. */
  public static final String UNIT_BYTES = "By";

  /** Unit of allocation counts. */
  public static final String UNIT_ALLOCATIONS = "{allocation}";

  /** Unit of free counts. */
  public static final String UNIT_FREES = "{free}";

  /** Unit of event counts. */
  public static final String UNIT_EVENTS = "{event}";

  /** Unit of stack counts. */
  public static final String UNIT_STACKS = "{stack}";

  /** Per-stack attribute: the stack's id, stable for the life of a session. */
  public static final AttributeKey<Long> STACK_ID = AttributeKey.longKey("leak.stack.id");

  /**
   * Per-stack attribute: the first frame outside the allocator, as {@code module!symbol+0xOFF} (see
   * {@link TopFrame}).
   */
  public static final AttributeKey<String> STACK_TOP_FRAME =
      AttributeKey.stringKey("leak.stack.top_frame");

  /**
   * Per-stack attribute of a JVM's stacks: the innermost Java method outside the JDK, else the
   * innermost Java method ({@code Leaky.leakDeflaters}; see {@link JavaMethod}); absent when the
   * stack has no Java frame.
   */
  public static final AttributeKey<String> STACK_JAVA_METHOD =
      AttributeKey.stringKey("leak.stack.java_method");

  /**
   * Per-stack attribute, only when the session splits stacks by thread: the name of the thread that
   * made the stack's allocations ({@link io.leakdetector.StackReport#threadName()}).
   */
  public static final AttributeKey<String> THREAD_NAME = AttributeKey.stringKey("thread.name");
}
