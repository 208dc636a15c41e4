package io.leakdetector.symbols.dwarf;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Corrupt DWARF gives empty (or partial) answers and at most one log line, never an exception out
 * of {@link DwarfInfo#lookup}.
 */
class DwarfRobustnessTest {
  @TempDir static Path project;
  static Path dwarf5;
  static Path dwarf4;
  static long[] instructions;

  @BeforeAll
  static void build() {
    dwarf5 = Fixtures.build(project, Fixtures.CPP, "cpp5", "-gdwarf-5");
    dwarf4 = Fixtures.build(project, Fixtures.CPP, "cpp4", "-gdwarf-4");
    instructions = Tools.textInstructions(dwarf5);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        ".debug_info",
        ".debug_abbrev",
        ".debug_line",
        ".debug_str",
        ".debug_line_str",
        ".debug_rnglists",
        ".debug_ranges",
        ".debug_aranges"
      })
  void aSectionFullOfGarbageNeverThrowsAndLogsOnce(String section) throws Exception {
    Path original = section.equals(".debug_ranges") ? dwarf4 : dwarf5;
    for (int p = 0; p < 3; p++) {
      int pattern = p;
      Path copy = project.resolve("garbage" + section + pattern);
      Random random = new Random(pattern);
      rewrite(
          original,
          copy,
          section,
          bytes -> {
            if (bytes.length == 0) {
              throw new AssertionError("the fixture has no " + section);
            }
            for (int i = 0; i < bytes.length; i++) {
              bytes[i] = (byte) (pattern == 0 ? 0xff : pattern == 1 ? 0 : random.nextInt());
            }
          });
      RecordingLogger log = new RecordingLogger();
      lookUpEverything(copy, log);
      assertThat(log.lines).as(section + " pattern " + pattern).hasSizeLessThanOrEqualTo(1);
    }
  }

  @Test
  void withoutUsableArangesTheUnitsOwnRangesGiveTheSameAnswers() throws Exception {
    Path copy = project.resolve("no-aranges");
    rewrite(dwarf5, copy, ".debug_aranges", bytes -> Arrays.fill(bytes, (byte) 0xff));
    RecordingLogger log = new RecordingLogger();
    assertThat(lookUpEverything(copy, log)).isEqualTo(lookUpEverything(dwarf5, log));
    assertThat(log.lines).hasSize(1).allMatch(line -> line.contains(".debug_aranges"));
  }

  @Test
  void randomlyFlippedBytesNeverThrow() throws Exception {
    Random random = new Random(42);
    for (int r = 0; r < 40; r++) {
      int round = r;
      String section = List.of(".debug_info", ".debug_abbrev", ".debug_line").get(round % 3);
      Path copy = project.resolve("flipped" + round);
      rewrite(
          round % 2 == 0 ? dwarf5 : dwarf4,
          copy,
          section,
          bytes -> {
            for (int i = 0; i < 1 + round; i++) {
              bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
            }
          });
      RecordingLogger log = new RecordingLogger();
      lookUpEverything(copy, log);
      assertThat(log.lines).as("round " + round).hasSizeLessThanOrEqualTo(1);
    }
  }

  @Test
  void aSectionBeyondTheEndOfTheFileGivesNothingAndOneLine() throws Exception {
    Path copy = project.resolve("truncated");
    byte[] bytes = Files.readAllBytes(dwarf5);
    try (ElfFile elf = ElfFile.open(dwarf5)) {
      ElfSection info = elf.section(".debug_info").orElseThrow();
      ByteBuffer file = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      long sectionHeaders = file.getLong(40);
      int sizeField = (int) (sectionHeaders + 64L * info.index() + 32);
      file.putLong(sizeField, bytes.length);
    }
    Files.write(copy, bytes);
    RecordingLogger log = new RecordingLogger();
    assertThat(lookUpEverything(copy, log)).allMatch(List::isEmpty);
    assertThat(log.lines).hasSize(1).allMatch(line -> line.contains(".debug_info"));
  }

  /** Looks up every instruction of the fixture; an exception fails the test. */
  private static List<List<SourceFrame>> lookUpEverything(Path file, RecordingLogger log)
      throws Exception {
    List<List<SourceFrame>> answers = new ArrayList<>();
    try (ElfFile elf = ElfFile.open(file)) {
      DwarfInfo dwarf = DwarfInfo.open(elf, DwarfInfo.DEFAULT_CACHE_BYTES, log);
      for (long address : instructions) {
        answers.add(dwarf.lookup(address));
      }
      assertThat(dwarf.memoryBytes()).isNotNegative();
    }
    return answers;
  }

  private interface Edit {
    void apply(byte[] sectionBytes);
  }

  /** Copies {@code original} to {@code copy} with the bytes of {@code section} edited. */
  private static void rewrite(Path original, Path copy, String section, Edit edit)
      throws Exception {
    byte[] bytes = Files.readAllBytes(original);
    try (ElfFile elf = ElfFile.open(original)) {
      ElfSection found =
          elf.section(section)
              .orElseThrow(() -> new AssertionError("the fixture has no " + section));
      byte[] contents =
          Arrays.copyOfRange(bytes, (int) found.offset(), (int) (found.offset() + found.size()));
      edit.apply(contents);
      System.arraycopy(contents, 0, bytes, (int) found.offset(), contents.length);
    }
    Files.write(copy, bytes);
  }
}
