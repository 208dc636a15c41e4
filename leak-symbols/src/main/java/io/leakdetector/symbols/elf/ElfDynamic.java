package io.leakdetector.symbols.elf;

import static io.leakdetector.symbols.elf.ElfInput.cString;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongFunction;

/**
 * What the dynamic section ({@code PT_DYNAMIC}) names: the needed libraries and the soname.
 *
 * @param needed the {@code DT_NEEDED} libraries, in order
 * @param soname the {@code DT_SONAME}, or {@code null}
 */
record ElfDynamic(List<String> needed, String soname) {
  private static final long DT_NULL = 0;
  private static final long DT_NEEDED = 1;
  private static final long DT_STRTAB = 5;
  private static final long DT_STRSZ = 10;
  private static final long DT_SONAME = 14;

  /**
   * Reads the dynamic section.
   *
   * @param fileOffsetOf where a virtual address lies in the file (the string table is given by
   *     address)
   */
  static ElfDynamic read(
      ElfInput in, List<ElfSegment> segments, LongFunction<OptionalLong> fileOffsetOf)
      throws IOException {
    ElfSegment dynamic = null;
    for (ElfSegment s : segments) {
      if (s.type() == ElfSegment.PT_DYNAMIC) {
        dynamic = s;
      }
    }
    if (dynamic == null || dynamic.fileSize() == 0) {
      return new ElfDynamic(List.of(), null);
    }
    ByteBuffer entries = in.read(dynamic.offset(), dynamic.fileSize(), "PT_DYNAMIC");
    List<Long> needed = new ArrayList<>();
    long soname = -1;
    long strtab = 0;
    long strsz = 0;
    for (int at = 0; at + 16 <= entries.limit(); at += 16) {
      long tag = entries.getLong(at);
      long value = entries.getLong(at + 8);
      if (tag == DT_NULL) {
        break;
      } else if (tag == DT_NEEDED) {
        needed.add(value);
      } else if (tag == DT_SONAME) {
        soname = value;
      } else if (tag == DT_STRTAB) {
        strtab = value;
      } else if (tag == DT_STRSZ) {
        strsz = value;
      }
    }
    OptionalLong stringsAt = fileOffsetOf.apply(strtab);
    if (stringsAt.isEmpty() || strsz <= 0) {
      return new ElfDynamic(List.of(), null);
    }
    ByteBuffer strings = in.read(stringsAt.getAsLong(), strsz, "DT_STRTAB");
    List<String> names = new ArrayList<>(needed.size());
    for (long offset : needed) {
      names.add(cString(strings, (int) offset));
    }
    return new ElfDynamic(List.copyOf(names), soname >= 0 ? cString(strings, (int) soname) : null);
  }
}
