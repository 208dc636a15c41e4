package io.leakdetector.symbols.elf;

import static io.leakdetector.symbols.testing.NativeTools.compile;
import static io.leakdetector.symbols.testing.NativeTools.requireTool;
import static io.leakdetector.symbols.testing.NativeTools.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compressed debug sections read back byte for byte: zlib as {@code objcopy
 * --compress-debug-sections} writes it (SHF_COMPRESSED and the GNU {@code .zdebug} form), and zstd
 * (which Debian 12's objcopy does not write) from the {@code zstd} tool's output in a section built
 * here with its {@code Elf64_Chdr}.
 */
class SectionDataTest {
  static final String SOURCE =
      """
      #include <stdlib.h>
      struct node { struct node *next; char payload[40]; };
      __attribute__((noinline)) struct node *push(struct node *head) {
        struct node *n = malloc(sizeof *n);
        n->next = head;
        return n;
      }
      int main(void) {
        struct node *head = 0;
        for (int i = 0; i < 3; i++) head = push(head);
        return head == 0;
      }
      """;

  @TempDir static Path dir;
  static Path plain;

  @BeforeAll
  static void build() throws Exception {
    plain = compile(SOURCE, dir, "plain", "-O1", "-g");
  }

  @Test
  void zlibSectionsEqualTheUncompressedOnes() throws Exception {
    requireTool("objcopy");
    Path zlib = dir.resolve("zlib");
    Path gnu = dir.resolve("zlib-gnu");
    run("objcopy", "--compress-debug-sections=zlib", plain.toString(), zlib.toString());
    run("objcopy", "--compress-debug-sections=zlib-gnu", plain.toString(), gnu.toString());
    try (ElfFile original = ElfFile.open(plain);
        ElfFile compressed = ElfFile.open(zlib);
        ElfFile zdebug = ElfFile.open(gnu)) {
      for (String name : List.of(".debug_info", ".debug_line", ".debug_abbrev", ".debug_str")) {
        ElfSection section = compressed.section(name).orElseThrow();
        assertThat(section.flags() & SectionCompression.SHF_COMPRESSED).isNotZero();
        byte[] expected = bytes(original.sectionData(original.section(name).orElseThrow()));
        assertThat(bytes(compressed.sectionData(section))).as(name).isEqualTo(expected);
        ElfSection old = zdebug.section(".z" + name.substring(1)).orElseThrow();
        assertThat(bytes(zdebug.sectionData(old))).as(".z" + name).isEqualTo(expected);
      }
    }
  }

  @Test
  void zstdSectionWithChdrDecompresses() throws Exception {
    requireTool("zstd");
    byte[] expected;
    try (ElfFile original = ElfFile.open(plain)) {
      expected = bytes(original.sectionData(original.section(".debug_info").orElseThrow()));
    }
    Path raw = dir.resolve("debug_info.bin");
    Files.write(raw, expected);
    run("zstd", "-q", "-f", "-19", raw.toString(), "-o", dir.resolve("debug_info.zst").toString());
    byte[] compressed = Files.readAllBytes(dir.resolve("debug_info.zst"));
    ByteBuffer chdr = ByteBuffer.allocate(24 + compressed.length).order(ByteOrder.LITTLE_ENDIAN);
    chdr.putInt(SectionCompression.ELFCOMPRESS_ZSTD).putInt(0).putLong(expected.length).putLong(1);
    chdr.put(compressed).flip();
    ElfSection section = section(".debug_info", SectionCompression.SHF_COMPRESSED, chdr.limit());
    assertThat(bytes(SectionCompression.decompress(section, chdr, "test"))).isEqualTo(expected);

    chdr.putLong(8, expected.length + 1);
    assertThatThrownBy(() -> SectionCompression.decompress(section, chdr, "f"))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "f: section .debug_info decompresses to "
                + expected.length
                + " bytes, not "
                + (expected.length + 1));
  }

  @Test
  void corruptAndUnknownCompressionAreOneSentence() {
    ByteBuffer unknown = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    unknown.putInt(0, 7).putLong(8, 4);
    ElfSection section = section(".debug_line", SectionCompression.SHF_COMPRESSED, 32);
    assertThatThrownBy(() -> SectionCompression.decompress(section, unknown, "f"))
        .hasMessage("f: section .debug_line uses an unknown compression (ch_type 7)");
    ByteBuffer zlib = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    zlib.putInt(0, SectionCompression.ELFCOMPRESS_ZLIB).putLong(8, 100).putLong(24, -1L);
    assertThatThrownBy(() -> SectionCompression.decompress(section, zlib, "f"))
        .hasMessageStartingWith("f: section .debug_line holds corrupt zlib data");
  }

  private static ElfSection section(String name, long flags, long size) {
    return new ElfSection(1, name, ElfSection.SHT_PROGBITS, flags, 0, 0, size, 0, 0, 0);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.get(buffer.position(), out);
    return out;
  }
}
