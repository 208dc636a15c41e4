package io.leakdetector.internal.engine;

import io.leakdetector.SortOrder;

/**
 * What a snapshot should hold.
 *
 * @param sort order of the stacks
 * @param topN how many stacks at most (0: all)
 * @param minOutstanding only stacks with at least this many outstanding allocations
 * @param olderThanNanos when positive, only allocations at least this old count as outstanding
 *     (this makes the snapshot O(allocations) instead of O(stacks))
 * @param nowNanos the present, on the clock of {@link System#nanoTime()}
 * @param periodic whether this snapshot starts a new interval: growth and lost-in-interval are
 *     measured from the previous periodic snapshot, and only periodic snapshots move that mark
 */
public record SnapshotQuery(
    SortOrder sort,
    int topN,
    long minOutstanding,
    long olderThanNanos,
    long nowNanos,
    boolean periodic) {}
