package io.leakdetector;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How exact a snapshot's accounting is. A lost free shows as a false leak and a lost allocation as
 * an unmatched free, so anything that means events may be missing makes the report inexact.
 *
 * @param lostEvents events the operating system dropped since tracing started
 * @param lostEventsInInterval of those, how many since the previous periodic snapshot
 * @param unmatchedFrees frees of addresses not known to be allocated (allocated before tracing
 *     started, or an allocation was lost); never an error
 * @param impliedFrees allocations at an address that was still live: the old block is taken as
 *     freed, so its free was missed
 * @param droppedAllocations allocations that could not be recorded because memory ran short
 * @param sourceCauses the source's own counters that say events may be missing (threads traced
 *     late, probes that could not be placed, lost buffers), by name; only non-zero ones, in the
 *     source's order
 * @param filteredAllocations allocations made by threads the session's thread filter leaves out
 *     (see {@link LeakDetector.Builder#threads}): not counted in the totals nor in any stack; they
 *     do not make the counts inexact
 */
public record EventCounts(
    long lostEvents,
    long lostEventsInInterval,
    long unmatchedFrees,
    long impliedFrees,
    long droppedAllocations,
    Map<String, Long> sourceCauses,
    long filteredAllocations) {

  public static final EventCounts NONE = new EventCounts(0, 0, 0, 0, 0);

  public EventCounts {
    sourceCauses = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sourceCauses));
  }

  /** Counts without a thread filter. */
  public EventCounts(
      long lostEvents,
      long lostEventsInInterval,
      long unmatchedFrees,
      long impliedFrees,
      long droppedAllocations,
      Map<String, Long> sourceCauses) {
    this(
        lostEvents,
        lostEventsInInterval,
        unmatchedFrees,
        impliedFrees,
        droppedAllocations,
        sourceCauses,
        0);
  }

  /** Counts without causes of the source's own and without a thread filter. */
  public EventCounts(
      long lostEvents,
      long lostEventsInInterval,
      long unmatchedFrees,
      long impliedFrees,
      long droppedAllocations) {
    this(
        lostEvents,
        lostEventsInInterval,
        unmatchedFrees,
        impliedFrees,
        droppedAllocations,
        Map.of(),
        0);
  }

  /**
   * Whether nothing was lost, dropped or missed, so every outstanding count is exact: no lost
   * event, no dropped allocation, no implied free and no cause of the source's own.
   */
  public boolean exact() {
    return lostEvents == 0
        && droppedAllocations == 0
        && impliedFrees == 0
        && sourceCauses.isEmpty();
  }

  /**
   * These counts with the non-zero ones of {@code counters} named in {@code causes} as the source's
   * causes of inexactness.
   */
  public EventCounts withSourceCauses(Iterable<String> causes, Map<String, Long> counters) {
    Map<String, Long> found = new LinkedHashMap<>();
    for (String name : causes) {
      Long value = counters.get(name);
      if (value != null && value != 0) {
        found.put(name, value);
      }
    }
    return new EventCounts(
        lostEvents,
        lostEventsInInterval,
        unmatchedFrees,
        impliedFrees,
        droppedAllocations,
        found,
        filteredAllocations);
  }
}
