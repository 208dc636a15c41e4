package io.leakdetector.symbols.dwarf;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.testkit.Prerequisite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Separate debug files (objcopy's, and Debian's libc6-dbg, compared with addr2line), split DWARF
 * skeletons, files without DWARF, and the cache budget.
 */
class DwarfInfoTest {
  private static final Path LIBC = Path.of("/lib/x86_64-linux-gnu/libc.so.6");

  @TempDir static Path project;
  static Path binary;
  static long[] instructions;

  @BeforeAll
  static void build() {
    binary = Fixtures.build(project, Fixtures.CPP, "cpp", "-gdwarf-5");
    instructions = Tools.textInstructions(binary);
  }

  @Test
  void separateDebugFileGivesTheFramesOfTheUnstrippedFile() throws Exception {
    Path debug = Fixtures.objcopy(binary, project.resolve("cpp.debug"), "--only-keep-debug");
    Path stripped = Fixtures.objcopy(binary, project.resolve("cpp.stripped"), "--strip-debug");
    try (ElfFile original = ElfFile.open(binary);
        ElfFile debugFile = ElfFile.open(debug);
        ElfFile strippedFile = ElfFile.open(stripped)) {
      DwarfInfo fromOriginal = DwarfInfo.open(original);
      DwarfInfo fromDebugFile = DwarfInfo.open(debugFile);
      DwarfInfo fromStripped = DwarfInfo.open(strippedFile);
      assertThat(fromStripped.hasDebugInfo()).isFalse();
      int resolved = 0;
      for (long address : instructions) {
        List<SourceFrame> expected = fromOriginal.lookup(address);
        assertThat(fromDebugFile.lookup(address)).as("0x%x", address).isEqualTo(expected);
        assertThat(fromStripped.lookup(address)).isEmpty();
        resolved += expected.isEmpty() ? 0 : 1;
      }
      assertThat(resolved).isGreaterThan(instructions.length / 2);
      assertThat(fromStripped.memoryBytes()).isZero();
    }
  }

  @Test
  void debianLibcDebugFileResolvesAsAddr2LineDoes() throws Exception {
    Optional<Path> debug = libcDebugFile();
    Prerequisite.require(
        debug.isPresent(), "libc's separate debug file is missing: install libc6-dbg");
    long[] calls = Tools.callInstructions(LIBC);
    // Every third call site: thousands of addresses across most of libc's units.
    long[] sample = LongStream.range(0, calls.length / 3).map(i -> calls[(int) i * 3]).toArray();

    Parity parity = Parity.check(debug.get(), sample);

    assertThat(parity.failures).as(parity.toString()).isEmpty();
    assertThat(parity.withFrames).as(parity.toString()).isGreaterThan(sample.length * 9 / 10);
    assertThat(parity.withInlinedFrames).as(parity.toString()).isGreaterThan(sample.length / 10);
    assertThat(parity.decidedByElfutils.size())
        .as("binutils' answer is the rule, elfutils' the exception: " + parity)
        .isLessThan(parity.withFrames / 4);
  }

  @Test
  void aSmallCacheGivesTheSameFramesInLessMemory() throws Exception {
    Optional<Path> debug = libcDebugFile();
    Prerequisite.require(
        debug.isPresent(), "libc's separate debug file is missing: install libc6-dbg");
    long[] calls = Tools.callInstructions(LIBC);
    try (ElfFile elf = ElfFile.open(debug.get())) {
      DwarfInfo roomy = DwarfInfo.open(elf);
      DwarfInfo tight = DwarfInfo.open(elf, 0);
      List<List<SourceFrame>> expected = new ArrayList<>();
      for (long address : calls) {
        expected.add(roomy.lookup(address));
      }
      for (int i = 0; i < calls.length; i++) {
        assertThat(tight.lookup(calls[i])).isEqualTo(expected.get(i));
      }
      assertThat(tight.memoryBytes()).isPositive().isLessThan(roomy.memoryBytes());
      assertThat(roomy.memoryBytes())
          .as("the decoded tables stay within the default budget")
          .isLessThan(DwarfInfo.DEFAULT_CACHE_BYTES + Files.size(debug.get()) * 4);
    }
  }

  @Test
  void splitDwarfSkeletonGivesLinesAsElfutilsDoes() throws Exception {
    Path split = Fixtures.build(project, Fixtures.CPP, "split", "-gdwarf-5", "-gsplit-dwarf");
    try (ElfFile elf = ElfFile.open(split)) {
      assertThat(elf.section(".debug_addr")).as("a skeleton with indexed addresses").isPresent();
    }

    // addr2line 2.40 gives no lines for split DWARF; every frame is decided by eu-addr2line.
    Parity parity = Parity.check(split, Tools.textInstructions(split));

    assertThat(parity.failures).as(parity.toString()).isEmpty();
    assertThat(parity.withFrames).as(parity.toString()).isGreaterThan(100);
  }

  @Test
  void aFileWithoutDwarfGivesNothing() throws Exception {
    try (ElfFile elf = ElfFile.open(LIBC)) {
      RecordingLogger log = new RecordingLogger();
      DwarfInfo dwarf = DwarfInfo.open(elf, DwarfInfo.DEFAULT_CACHE_BYTES, log);
      assertThat(dwarf.hasDebugInfo()).isFalse();
      assertThat(dwarf.lookup(elf.findSymbol("malloc").orElseThrow().value())).isEmpty();
      assertThat(log.lines).isEmpty();
    }
  }

  /** libc's debug file by build id, as Debian's libc6-dbg installs it. */
  private static Optional<Path> libcDebugFile() throws Exception {
    try (ElfFile libc = ElfFile.open(LIBC)) {
      String id = libc.buildId().orElseThrow();
      Path debug =
          Path.of("/usr/lib/debug/.build-id", id.substring(0, 2), id.substring(2) + ".debug");
      return Files.isRegularFile(debug) ? Optional.of(debug) : Optional.empty();
    }
  }
}
