package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSegment;
import java.util.List;
import java.util.OptionalLong;

/**
 * What is remembered of a module's ELF file when it is captured, enough to translate its addresses
 * and to recognise the file later: its load segments, image base and build id.
 *
 * @param loadSegments the {@code PT_LOAD} program headers
 * @param imageBase the lowest load address, rounded down to its alignment
 * @param buildId the GNU build id as hex, or {@code ""} when the file has none
 */
record ModuleLayout(List<ElfSegment> loadSegments, long imageBase, String buildId) {

  ModuleLayout {
    loadSegments = List.copyOf(loadSegments);
  }

  static ModuleLayout of(ElfFile elf) {
    return new ModuleLayout(elf.loadSegments(), elf.imageBase(), elf.buildId().orElse(""));
  }

  /** The file address of the byte at {@code fileOffset}. */
  OptionalLong vaddrOf(long fileOffset) {
    return ElfSegment.vaddrOf(loadSegments, fileOffset);
  }
}
