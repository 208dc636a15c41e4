package io.leakdetector.symbols.elf;

import java.util.List;
import java.util.OptionalLong;

/**
 * One program header of an ELF file.
 *
 * @param type {@link #PT_LOAD}, {@link #PT_INTERP}, {@link #PT_NOTE}, …
 * @param flags {@link #PF_X}, {@link #PF_W}, {@link #PF_R}
 * @param offset where its bytes start in the file
 * @param vaddr where it is mapped, in the file's own address space
 * @param fileSize bytes taken from the file
 * @param memorySize bytes it occupies in memory (at least {@code fileSize})
 * @param align alignment of {@code offset} and {@code vaddr}
 */
public record ElfSegment(
    int type, int flags, long offset, long vaddr, long fileSize, long memorySize, long align) {

  public static final int PT_LOAD = 1;
  public static final int PT_DYNAMIC = 2;
  public static final int PT_INTERP = 3;
  public static final int PT_NOTE = 4;

  public static final int PF_X = 1;
  public static final int PF_W = 2;
  public static final int PF_R = 4;

  /** Whether the file byte at {@code fileOffset} is one of this segment's bytes. */
  public boolean containsOffset(long fileOffset) {
    return Long.compareUnsigned(fileOffset - offset, fileSize) < 0;
  }

  /** Whether {@code address} (file address space) lies in this segment's file-backed bytes. */
  public boolean containsVaddr(long address) {
    return Long.compareUnsigned(address - vaddr, fileSize) < 0;
  }

  public boolean isExecutable() {
    return (flags & PF_X) != 0;
  }

  /**
   * The address (file address space) at which the byte at {@code fileOffset} is loaded, through the
   * {@code PT_LOAD} headers among {@code segments}. An offset in the page-aligned slack just before
   * or after a segment's bytes (mapped with it) is translated with that segment; empty when no
   * segment maps the offset.
   */
  public static OptionalLong vaddrOf(List<ElfSegment> segments, long fileOffset) {
    for (ElfSegment s : segments) {
      if (s.type() == PT_LOAD && s.containsOffset(fileOffset)) {
        return OptionalLong.of(s.vaddr() + (fileOffset - s.offset()));
      }
    }
    for (ElfSegment s : segments) {
      if (s.type() != PT_LOAD) {
        continue;
      }
      long page = Math.max(s.align(), 4096);
      long first = s.offset() & -page;
      long end = (s.offset() + s.fileSize() + page - 1) & -page;
      if (Long.compareUnsigned(fileOffset - first, end - first) < 0) {
        return OptionalLong.of(s.vaddr() + (fileOffset - s.offset()));
      }
    }
    return OptionalLong.empty();
  }
}
