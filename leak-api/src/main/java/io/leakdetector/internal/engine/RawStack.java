package io.leakdetector.internal.engine;

/** One stack's counters in an {@link EngineSnapshot}, with its unresolved frames. */
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
    long[] frames) {}
