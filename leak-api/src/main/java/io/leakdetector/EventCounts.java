package io.leakdetector;

/**
 * How exact a snapshot's accounting is. A lost free shows as a false leak and a lost allocation as
 * an unmatched free, so any lost event makes the report inexact.
 *
 * @param lostEvents events the operating system dropped since tracing started
 * @param lostEventsInInterval of those, how many since the previous periodic snapshot
 * @param unmatchedFrees frees of addresses not known to be allocated (allocated before tracing
 *     started, or an allocation was lost); never an error
 * @param impliedFrees allocations at an address that was still live: the old block is taken as
 *     freed
 * @param droppedAllocations allocations that could not be recorded because memory ran short
 */
public record EventCounts(
    long lostEvents,
    long lostEventsInInterval,
    long unmatchedFrees,
    long impliedFrees,
    long droppedAllocations) {

  public static final EventCounts NONE = new EventCounts(0, 0, 0, 0, 0);

  /** Whether nothing was lost or dropped, so every outstanding count is exact. */
  public boolean exact() {
    return lostEvents == 0 && droppedAllocations == 0;
  }
}
