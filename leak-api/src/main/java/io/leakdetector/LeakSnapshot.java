package io.leakdetector;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An immutable report of a session at one moment: process totals and the top stacks.
 *
 * @param sequence 1 for a session's first snapshot, then counting up
 * @param time when it was taken
 * @param target the traced process
 * @param source the name of the heap event source ({@code uprobes}, {@code etw})
 * @param interval the configured interval between periodic snapshots, or {@link Duration#ZERO}
 * @param totals process-wide counters
 * @param counts lost, unmatched, implied and dropped events
 * @param sourceCounters counters the source keeps of its own (decode failures, unpaired stacks), by
 *     name
 * @param last whether this is the session's final report
 * @param endReason why the session ended, for a final report ({@code ""} otherwise)
 * @param stacks the reported stacks in the configured order, at most top N
 * @param sourceDesign which design of the source ran when it is not its main one (e.g. {@code
 *     "per-thread fallback"}), else {@code ""}
 */
public record LeakSnapshot(
    long sequence,
    Instant time,
    TargetProcess target,
    String source,
    Duration interval,
    HeapTotals totals,
    EventCounts counts,
    Map<String, Long> sourceCounters,
    boolean last,
    String endReason,
    List<StackReport> stacks,
    String sourceDesign) {

  public LeakSnapshot {
    sourceCounters = Map.copyOf(sourceCounters);
    stacks = List.copyOf(stacks);
    endReason = endReason == null ? "" : endReason;
    sourceDesign = sourceDesign == null ? "" : sourceDesign;
  }

  /** A snapshot of a source's main design. */
  public LeakSnapshot(
      long sequence,
      Instant time,
      TargetProcess target,
      String source,
      Duration interval,
      HeapTotals totals,
      EventCounts counts,
      Map<String, Long> sourceCounters,
      boolean last,
      String endReason,
      List<StackReport> stacks) {
    this(
        sequence,
        time,
        target,
        source,
        interval,
        totals,
        counts,
        sourceCounters,
        last,
        endReason,
        stacks,
        "");
  }
}
