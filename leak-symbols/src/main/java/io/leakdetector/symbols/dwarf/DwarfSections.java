package io.leakdetector.symbols.dwarf;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The DWARF sections of one ELF file, each read (and decompressed) on first use and then kept. A
 * missing section reads as empty; one that cannot be read is a {@link DwarfException}.
 */
final class DwarfSections {
  static final String INFO = ".debug_info";
  static final String ABBREV = ".debug_abbrev";
  static final String LINE = ".debug_line";
  static final String STR = ".debug_str";
  static final String LINE_STR = ".debug_line_str";
  static final String STR_OFFSETS = ".debug_str_offsets";
  static final String ADDR = ".debug_addr";
  static final String RANGES = ".debug_ranges";
  static final String RNGLISTS = ".debug_rnglists";
  static final String ARANGES = ".debug_aranges";

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);

  private final ElfFile elf;
  private final Map<String, ByteBuffer> loaded = new HashMap<>();

  DwarfSections(ElfFile elf) {
    this.elf = elf;
  }

  String fileName() {
    return elf.path().toString();
  }

  /** Whether the file has this section (plain or as GNU {@code .zdebug_*}) with bytes. */
  boolean has(String name) {
    return find(name).isPresent();
  }

  ByteBuffer get(String name) {
    ByteBuffer data = loaded.get(name);
    if (data == null) {
      Optional<ElfSection> section = find(name);
      try {
        data = section.isEmpty() ? EMPTY : elf.sectionData(section.get());
      } catch (IOException e) {
        throw new DwarfException(e.getMessage());
      }
      data.order(ByteOrder.LITTLE_ENDIAN);
      loaded.put(name, data);
    }
    return data;
  }

  /** Bytes held by the sections read so far. */
  long loadedBytes() {
    long total = 0;
    for (ByteBuffer data : loaded.values()) {
      total += data.capacity();
    }
    return total;
  }

  private Optional<ElfSection> find(String name) {
    Optional<ElfSection> section = elf.section(name).filter(ElfSection::hasFileBytes);
    return section.isPresent()
        ? section
        : elf.section(".zdebug" + name.substring(".debug".length()))
            .filter(ElfSection::hasFileBytes);
  }
}
