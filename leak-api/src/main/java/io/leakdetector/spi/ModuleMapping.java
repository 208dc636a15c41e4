package io.leakdetector.spi;

/**
 * A file mapped into the target's address space.
 *
 * @param start first address of the mapping
 * @param end address just past the mapping
 * @param fileOffset offset in the file of the byte mapped at {@code start}
 * @param path the file's path as the target sees it
 */
public record ModuleMapping(long start, long end, long fileOffset, String path) {}
