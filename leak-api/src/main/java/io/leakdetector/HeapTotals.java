package io.leakdetector;

/**
 * Process-wide counters since tracing started. Outstanding means allocated and not yet freed.
 *
 * @param allocCount allocations seen (a realloc counts as one free and one allocation)
 * @param freeCount frees of allocations that were seen (unmatched frees are not counted here)
 * @param allocBytes bytes requested by the allocations seen
 * @param freeBytes bytes of the allocations freed
 * @param outstandingCount allocations not yet freed
 * @param outstandingBytes bytes not yet freed
 * @param stacks distinct call stacks that hold outstanding allocations
 */
public record HeapTotals(
    long allocCount,
    long freeCount,
    long allocBytes,
    long freeBytes,
    long outstandingCount,
    long outstandingBytes,
    int stacks) {

  /** Totals of a session that has seen nothing yet. */
  public static final HeapTotals EMPTY = new HeapTotals(0, 0, 0, 0, 0, 0, 0);
}
