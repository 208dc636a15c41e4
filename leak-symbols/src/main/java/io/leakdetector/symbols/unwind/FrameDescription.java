package io.leakdetector.symbols.unwind;

/**
 * A Frame Description Entry (FDE): the code range {@code [start, end)} (file address space) and
 * where its instructions lie in its section.
 */
record FrameDescription(
    FrameSection section,
    CommonInformation cie,
    long start,
    long end,
    int instructionsStart,
    int instructionsEnd) {}
