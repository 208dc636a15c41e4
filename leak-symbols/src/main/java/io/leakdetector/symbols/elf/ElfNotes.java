package io.leakdetector.symbols.elf;

import static io.leakdetector.symbols.elf.ElfInput.cString;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;

/** What an ELF file says about its debug information: the GNU build id and the debug link. */
final class ElfNotes {
  private static final int NT_GNU_BUILD_ID = 3;

  private ElfNotes() {}

  /** The {@code NT_GNU_BUILD_ID} note as lowercase hex, from the sections or else the segments. */
  static String buildId(ElfInput in, List<ElfSection> sections, List<ElfSegment> segments)
      throws IOException {
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_NOTE && s.hasFileBytes()) {
        String id = buildIdIn(in.readSection(s), 4);
        if (id != null) {
          return id;
        }
      }
    }
    for (ElfSegment s : segments) {
      if (s.type() == ElfSegment.PT_NOTE && s.fileSize() > 0) {
        String id = buildIdIn(in.read(s.offset(), s.fileSize(), "PT_NOTE"), s.align() == 8 ? 8 : 4);
        if (id != null) {
          return id;
        }
      }
    }
    return null;
  }

  private static String buildIdIn(ByteBuffer notes, int align) {
    int at = 0;
    while (at + 12 <= notes.limit()) {
      int nameSize = notes.getInt(at);
      int descSize = notes.getInt(at + 4);
      int noteType = notes.getInt(at + 8);
      if (nameSize < 0 || descSize < 0) {
        return null;
      }
      int nameAt = at + 12;
      int descAt = nameAt + ((nameSize + align - 1) & -align);
      if (descAt < 0 || descAt + descSize > notes.limit()) {
        return null;
      }
      if (noteType == NT_GNU_BUILD_ID && nameSize == 4 && "GNU".equals(cString(notes, nameAt))) {
        byte[] desc = new byte[descSize];
        notes.get(descAt, desc);
        return HexFormat.of().formatHex(desc);
      }
      at = descAt + ((descSize + align - 1) & -align);
    }
    return null;
  }

  /** The file name in a {@code .gnu_debuglink} section's bytes. */
  static String debugLinkName(ByteBuffer section) {
    return cString(section, 0);
  }

  /** The CRC-32 after the name in a {@code .gnu_debuglink} section's bytes, 4-byte aligned. */
  static OptionalLong debugLinkCrc(ByteBuffer section) {
    int nameEnd = cString(section, 0).getBytes(StandardCharsets.UTF_8).length + 1;
    int crcAt = (nameEnd + 3) & ~3;
    if (crcAt + 4 > section.limit()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Integer.toUnsignedLong(section.getInt(crcAt)));
  }
}
