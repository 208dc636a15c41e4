package io.leakdetector.export.otel;

import io.leakdetector.EventCounts;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.StackReport;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reports LeakDetector snapshots as OpenTelemetry metrics on a {@link Meter} that the caller owns:
 * a program that already has an {@link OpenTelemetry} instance passes it in, and no second SDK is
 * created.
 *
 * <pre>{@code
 * OpenTelemetry openTelemetry = ...; // the program's own SDK
 * try (OtelSnapshotExporter metrics = OtelSnapshotExporter.create(openTelemetry);
 *     LeakSession session = LeakDetector.builder().pid(pid).build().open()) {
 *   session.subscribe(metrics::export);
 *   session.start();
 *   session.awaitTermination();
 * }
 * }</pre>
 *
 * <p>All instruments are asynchronous and observed in one batch callback that reports the latest
 * snapshot only: the program's own metric readers decide when values are collected and exported,
 * and a stack that drops out of the top N stops being reported at the next collection, so the
 * number of per-stack series never exceeds the snapshot's top N. Counters carry the snapshot's
 * cumulative totals. The names, units and attributes are in {@link LeakMetrics}.
 *
 * <p>{@link #export} only swaps a reference and never blocks; it is safe to call from any thread.
 * {@link #close} unregisters the callback, after which nothing more is reported.
 */
@SuppressWarnings("exports") // OpenTelemetry API types; see module-info
public final class OtelSnapshotExporter implements SnapshotExporter {

  /** The instrumentation scope of the meter taken from an {@link OpenTelemetry} instance. */
  public static final String SCOPE_NAME = "io.leakdetector";

  private final Attributes common;
  private final ObservableLongMeasurement allocations;
  private final ObservableLongMeasurement frees;
  private final ObservableLongMeasurement allocatedBytes;
  private final ObservableLongMeasurement freedBytes;
  private final ObservableLongMeasurement outstandingBytes;
  private final ObservableLongMeasurement outstandingAllocations;
  private final ObservableLongMeasurement stacks;
  private final ObservableLongMeasurement lostEvents;
  private final ObservableLongMeasurement unmatchedFrees;
  private final ObservableLongMeasurement droppedAllocations;
  private final ObservableLongMeasurement stackOutstandingBytes;
  private final ObservableLongMeasurement stackOutstandingAllocations;
  private final BatchCallback callback;

  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Observation latest;

  private OtelSnapshotExporter(Meter meter, Attributes common) {
    this.common = common;
    allocations =
        counter(meter, LeakMetrics.ALLOCATIONS, LeakMetrics.UNIT_ALLOCATIONS, "Allocations seen.");
    frees = counter(meter, LeakMetrics.FREES, LeakMetrics.UNIT_FREES, "Frees of allocations seen.");
    allocatedBytes =
        counter(meter, LeakMetrics.ALLOCATED_BYTES, LeakMetrics.UNIT_BYTES, "Bytes allocated.");
    freedBytes = counter(meter, LeakMetrics.FREED_BYTES, LeakMetrics.UNIT_BYTES, "Bytes freed.");
    outstandingBytes =
        gauge(
            meter,
            LeakMetrics.OUTSTANDING_BYTES,
            LeakMetrics.UNIT_BYTES,
            "Bytes allocated and not yet freed.");
    outstandingAllocations =
        gauge(
            meter,
            LeakMetrics.OUTSTANDING_ALLOCATIONS,
            LeakMetrics.UNIT_ALLOCATIONS,
            "Allocations not yet freed.");
    stacks =
        gauge(
            meter,
            LeakMetrics.STACKS,
            LeakMetrics.UNIT_STACKS,
            "Call stacks holding outstanding allocations.");
    lostEvents =
        counter(
            meter,
            LeakMetrics.LOST_EVENTS,
            LeakMetrics.UNIT_EVENTS,
            "Events the operating system dropped.");
    unmatchedFrees =
        counter(
            meter,
            LeakMetrics.UNMATCHED_FREES,
            LeakMetrics.UNIT_FREES,
            "Frees of addresses not known to be allocated.");
    droppedAllocations =
        counter(
            meter,
            LeakMetrics.DROPPED_ALLOCATIONS,
            LeakMetrics.UNIT_ALLOCATIONS,
            "Allocations not recorded because memory ran short.");
    stackOutstandingBytes =
        gauge(
            meter,
            LeakMetrics.STACK_OUTSTANDING_BYTES,
            LeakMetrics.UNIT_BYTES,
            "Bytes allocated on a top-N stack and not yet freed.");
    stackOutstandingAllocations =
        gauge(
            meter,
            LeakMetrics.STACK_OUTSTANDING_ALLOCATIONS,
            LeakMetrics.UNIT_ALLOCATIONS,
            "Allocations made on a top-N stack and not yet freed.");
    callback =
        meter.batchCallback(
            this::observe,
            allocations,
            frees,
            allocatedBytes,
            freedBytes,
            outstandingBytes,
            outstandingAllocations,
            stacks,
            lostEvents,
            unmatchedFrees,
            droppedAllocations,
            stackOutstandingBytes,
            stackOutstandingAllocations);
  }

  /** Reports on the meter of scope {@value #SCOPE_NAME} of the given OpenTelemetry instance. */
  public static OtelSnapshotExporter create(OpenTelemetry openTelemetry) {
    return create(openTelemetry.getMeter(SCOPE_NAME));
  }

  /** Reports on the given meter. */
  public static OtelSnapshotExporter create(Meter meter) {
    return create(meter, Attributes.empty());
  }

  /**
   * Reports on the given meter, adding {@code common} to every measurement: a program that runs
   * several sessions on one meter tells them apart this way (for example by the target's pid).
   */
  public static OtelSnapshotExporter create(Meter meter, Attributes common) {
    return new OtelSnapshotExporter(
        Objects.requireNonNull(meter, "meter"), Objects.requireNonNull(common, "common"));
  }

  @Override
  public void export(LeakSnapshot snapshot) {
    latest = Observation.of(snapshot, common);
  }

  /** Stops reporting: the callback is unregistered from the meter. */
  @Override
  public void close() {
    latest = null;
    if (closed.compareAndSet(false, true)) {
      callback.close();
    }
  }

  private void observe() {
    Observation observation = latest;
    if (observation == null) {
      return;
    }
    HeapTotals totals = observation.totals();
    EventCounts counts = observation.counts();
    allocations.record(totals.allocCount(), common);
    frees.record(totals.freeCount(), common);
    allocatedBytes.record(totals.allocBytes(), common);
    freedBytes.record(totals.freeBytes(), common);
    outstandingBytes.record(totals.outstandingBytes(), common);
    outstandingAllocations.record(totals.outstandingCount(), common);
    stacks.record(totals.stacks(), common);
    lostEvents.record(counts.lostEvents(), common);
    unmatchedFrees.record(counts.unmatchedFrees(), common);
    droppedAllocations.record(counts.droppedAllocations(), common);
    for (StackSeries stack : observation.stacks()) {
      stackOutstandingBytes.record(stack.outstandingBytes(), stack.attributes());
      stackOutstandingAllocations.record(stack.outstandingCount(), stack.attributes());
    }
  }

  private static ObservableLongMeasurement counter(
      Meter meter, String name, String unit, String description) {
    return meter.counterBuilder(name).setUnit(unit).setDescription(description).buildObserver();
  }

  private static ObservableLongMeasurement gauge(
      Meter meter, String name, String unit, String description) {
    return meter
        .gaugeBuilder(name)
        .ofLongs()
        .setUnit(unit)
        .setDescription(description)
        .buildObserver();
  }

  /** What one snapshot reports, prepared once so that collections only read it. */
  private record Observation(HeapTotals totals, EventCounts counts, List<StackSeries> stacks) {
    static Observation of(LeakSnapshot snapshot, Attributes common) {
      List<StackSeries> series =
          snapshot.stacks().stream().map(stack -> StackSeries.of(stack, common)).toList();
      return new Observation(snapshot.totals(), snapshot.counts(), series);
    }
  }

  private record StackSeries(Attributes attributes, long outstandingBytes, long outstandingCount) {
    static StackSeries of(StackReport stack, Attributes common) {
      AttributesBuilder attributes =
          common.toBuilder()
              .put(LeakMetrics.STACK_ID, (long) stack.id())
              .put(LeakMetrics.STACK_TOP_FRAME, TopFrame.of(stack.frames()));
      JavaMethod.of(stack.frames())
          .ifPresent(method -> attributes.put(LeakMetrics.STACK_JAVA_METHOD, method));
      if (stack.threadName() != null) {
        attributes.put(LeakMetrics.THREAD_NAME, stack.threadName());
      }
      return new StackSeries(
          attributes.build(), stack.outstandingBytes(), stack.outstandingCount());
    }
  }
}
