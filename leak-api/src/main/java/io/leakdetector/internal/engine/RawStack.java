package io.leakdetector.internal.engine;

/**
 * One stack's counters in an {@link EngineSnapshot}, with its unresolved frames and the name of the
 * thread that allocated on it (null when stacks are not split by thread).
 */
public record RawStack(
    int id,
    long allocCount,
    long freeCount,
    long allocBytes,
    long freeBytes,
    long outstandingCount,
    long outstandingBytes,
    long growthCount,
    long growthBytes,
    long[] frames,
    String threadName) {}
