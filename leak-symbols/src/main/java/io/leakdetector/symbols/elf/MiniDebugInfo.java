package io.leakdetector.symbols.elf;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import org.tukaani.xz.XZInputStream;

/**
 * MiniDebugInfo: the section {@code .gnu_debugdata} of a stripped ELF file holds a second ELF file,
 * xz-compressed, whose {@code .symtab} names the functions that {@code .dynsym} does not (Fedora
 * and the distributions built like it ship binaries so; GDB, elfutils and systemd read it).
 */
public final class MiniDebugInfo {
  public static final String SECTION = ".gnu_debugdata";

  /** Largest compressed section and decompressed file accepted; real ones are far smaller. */
  static final int MAX_BYTES = 64 << 20;

  /** Memory the xz decoder may take, in KiB: enough for every preset's dictionary (64 MiB). */
  private static final int XZ_MEMORY_LIMIT_KIB = 96 << 10;

  private MiniDebugInfo() {}

  /**
   * The ELF file inside {@code elf}'s {@code .gnu_debugdata}, decompressed into memory; empty when
   * it has no such section.
   *
   * @throws IOException with one sentence when the section is not an xz stream holding an ELF file
   */
  public static Optional<ElfFile> open(ElfFile elf) throws IOException {
    Optional<ElfSection> section = elf.section(SECTION);
    if (section.isEmpty() || !section.get().hasFileBytes()) {
      return Optional.empty();
    }
    long size = section.get().size();
    Path origin = Path.of(elf.path() + "(" + SECTION + ")");
    if (size > MAX_BYTES) {
      throw new IOException(origin + " is impossibly large (" + size + " bytes)");
    }
    byte[] compressed = elf.readAt(section.get().offset(), (int) size);
    byte[] image;
    try (InputStream in =
        new XZInputStream(new ByteArrayInputStream(compressed), XZ_MEMORY_LIMIT_KIB)) {
      image = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new IOException(origin + " is not a valid xz stream: " + e.getMessage(), e);
    }
    if (image.length > MAX_BYTES) {
      throw new IOException(origin + " decompresses to more than " + MAX_BYTES + " bytes");
    }
    return Optional.of(ElfFile.open(origin, image));
  }
}
