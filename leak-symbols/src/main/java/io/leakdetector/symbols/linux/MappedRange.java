package io.leakdetector.symbols.linux;

/**
 * A range of the target's address space that maps a module file, or a special mapping such as
 * {@code [vdso]} (then {@code module} is {@code null} and {@code specialName} is set).
 *
 * @param start first address
 * @param end address just past the range
 * @param fileOffset file offset of the byte at {@code start}
 * @param module the mapped file, or {@code null} for a special mapping
 * @param specialName {@code [vdso]} and the like, or {@code null} for a file
 */
record MappedRange(long start, long end, long fileOffset, ModuleFile module, String specialName) {

  boolean contains(long address) {
    return Long.compareUnsigned(address - start, end - start) < 0;
  }

  /** The part of this range from {@code newStart} to {@code newEnd}, with its file offset. */
  MappedRange slice(long newStart, long newEnd) {
    return new MappedRange(newStart, newEnd, fileOffset + (newStart - start), module, specialName);
  }
}
