package io.leakdetector.symbols.unwind;

import static io.leakdetector.symbols.testing.NativeTools.compile;
import static io.leakdetector.symbols.testing.NativeTools.requireTool;
import static io.leakdetector.symbols.testing.NativeTools.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSection;
import io.leakdetector.testkit.Prerequisite;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row {@code readelf --debug-dump=frames-interp} shows for a real module is compiled to the
 * same CFA, return-address and rbp rules, at the row's address; the end of every description is a
 * gap unless another description starts there. Modules: the system's libc and libstdc++ and
 * fixtures compiled here (frame pointers omitted and kept, {@code alloca}, and a {@code
 * .debug_frame}-only build, also through a separate debug file).
 */
class CfiTableReadelfTest {
  static final String FIXTURE =
      """
      #include <alloca.h>
      #include <stdio.h>
      #include <stdlib.h>
      #include <string.h>
      __attribute__((noinline)) long leaf(long n) {
        volatile long v[64];
        for (long i = 0; i < 64; i++) v[i] = i * n;
        return v[n & 63];
      }
      __attribute__((noinline)) long dynamic(long n) {
        char *buffer = alloca(n + 16);
        memset(buffer, 1, n + 16);
        return leaf(buffer[n]) + n;
      }
      __attribute__((noinline)) long saves(long a, long b, long c, long d, long e) {
        long x = leaf(a) * leaf(b);
        long y = leaf(c) + leaf(d);
        return x ^ y ^ leaf(e) ^ a ^ b ^ c ^ d ^ e;
      }
      int main(int argc, char **argv) {
        printf("%ld\\n", dynamic(argc) + saves(argc, argc + 1, argc + 2, argc + 3, argc + 4));
        return 0;
      }
      """;

  @TempDir static Path dir;

  @BeforeAll
  static void tools() {
    requireTool("readelf");
  }

  @Test
  void libcMatchesReadelf() throws Exception {
    Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
    Prerequisite.require(Files.isRegularFile(libc), libc + " is missing (x86-64 Debian layout)");
    assertMatchesReadelf(libc, null);
  }

  @Test
  void libstdcxxMatchesReadelf() throws Exception {
    Path libstdcxx = Path.of("/lib/x86_64-linux-gnu/libstdc++.so.6");
    Prerequisite.require(
        Files.isRegularFile(libstdcxx), libstdcxx + " is missing: apt-get install libstdc++6");
    assertMatchesReadelf(libstdcxx, null);
  }

  @Test
  void fixtureWithoutFramePointersMatchesReadelf() throws Exception {
    assertMatchesReadelf(compile(FIXTURE, dir, "omit", "-O2", "-fomit-frame-pointer"), null);
  }

  @Test
  void fixtureWithFramePointersMatchesReadelf() throws Exception {
    assertMatchesReadelf(compile(FIXTURE, dir, "keep", "-O2", "-fno-omit-frame-pointer"), null);
  }

  @Test
  void debugFrameOnlyBuildMatchesReadelf() throws Exception {
    Path binary =
        compile(
            FIXTURE,
            dir,
            "debugframe",
            "-O2",
            "-g",
            "-fno-asynchronous-unwind-tables",
            "-fno-unwind-tables");
    try (ElfFile elf = ElfFile.open(binary)) {
      assertThat(elf.section(".debug_frame")).isPresent();
      assertThat(CfiTable.build(elf).statistics().sources()).isEqualTo(".eh_frame+.debug_frame");
    }
    assertMatchesReadelf(binary, null);
  }

  @Test
  void separateDebugFileSuppliesDebugFrame() throws Exception {
    requireTool("objcopy");
    Path binary =
        compile(
            FIXTURE,
            dir,
            "separate",
            "-O2",
            "-g",
            "-fno-asynchronous-unwind-tables",
            "-fno-unwind-tables");
    Path debug = dir.resolve("separate.debug");
    Path stripped = dir.resolve("separate.stripped");
    run("objcopy", "--only-keep-debug", binary.toString(), debug.toString());
    run("objcopy", "--strip-debug", binary.toString(), stripped.toString());
    try (ElfFile elf = ElfFile.open(stripped);
        ElfFile debugFile = ElfFile.open(debug)) {
      assertThat(elf.section(".debug_frame")).isEmpty();
      long main = elf.findSymbol("main").orElseThrow().value();
      assertThat(CfiTable.build(elf).rule(main)).isEqualTo(CfiRule.NONE);
      assertThat(CfiTable.build(elf, debugFile).rule(main)).isNotEqualTo(CfiRule.NONE);
    }
    // the rows readelf shows for the unstripped file, compiled from the stripped file + debug file
    assertMatchesReadelf(binary, stripped, debug);
  }

  @Test
  void withoutSectionHeadersEhFrameIsFoundThroughPtGnuEhFrame() throws Exception {
    Path binary = compile(FIXTURE, dir, "headerless", "-O2", "-fomit-frame-pointer");
    byte[] bytes = Files.readAllBytes(binary);
    ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(40, 0); // e_shoff
    header.putShort(60, (short) 0); // e_shnum
    header.putShort(62, (short) 0); // e_shstrndx
    Path headerless = dir.resolve("headerless.nosections");
    Files.write(headerless, bytes);
    try (ElfFile original = ElfFile.open(binary);
        ElfFile stripped = ElfFile.open(headerless)) {
      assertThat(stripped.sections()).isEmpty();
      CfiTable expected = CfiTable.build(original);
      CfiTable actual = CfiTable.build(stripped);
      assertThat(actual.rowCount()).isEqualTo(expected.rowCount()).isGreaterThan(10);
      for (int i = 0; i < expected.rowCount(); i++) {
        assertThat(actual.rowStart(i)).isEqualTo(expected.rowStart(i));
        assertThat(actual.rowRule(i)).isEqualTo(expected.rowRule(i));
      }
    }
  }

  private static void assertMatchesReadelf(Path file, Path debug) throws Exception {
    assertMatchesReadelf(file, file, debug);
  }

  /**
   * Compiles {@code compiled} (+ {@code debug}) and compares with readelf's rows for {@code shown}.
   */
  private static void assertMatchesReadelf(Path shown, Path compiled, Path debug) throws Exception {
    List<ReadelfFrames.Description> descriptions =
        ReadelfFrames.parse(readelf("frames-interp", shown));
    Map<Long, long[]> pltExpressions = pltExpressions(readelf("frames", shown));
    CfiTable table;
    List<ElfSection> plts;
    try (ElfFile elf = ElfFile.open(compiled);
        ElfFile debugFile = debug == null ? null : ElfFile.open(debug)) {
      table = CfiTable.build(elf, debugFile);
      plts = elf.sections().stream().filter(s -> s.name().startsWith(".plt")).toList();
    }
    List<ReadelfFrames.Description> used = usedDescriptions(descriptions);
    assertThat(used).isNotEmpty();
    List<String> mismatches = new ArrayList<>();
    int rows = 0;
    for (ReadelfFrames.Description d : used) {
      long[] plt = pltExpressions.get(d.start());
      Map<Long, ReadelfFrames.Row> last = new HashMap<>();
      for (ReadelfFrames.Row row : d.rows()) {
        if (Long.compareUnsigned(row.address(), d.end()) < 0) {
          last.put(row.address(), row); // a row of zero length: the later one holds
        }
      }
      for (ReadelfFrames.Row row : last.values()) {
        rows++;
        List<Long> acceptable = ReadelfRules.acceptable(row, plt);
        long actual = table.rule(row.address());
        if (!acceptable.contains(actual)) {
          mismatches.add(
              String.format(
                  "%s %x: readelf %s %s, compiled %s",
                  d.section(), row.address(), row.cfa(), row.columns(), CfiRule.toString(actual)));
        }
        if (plt != null && row.cfa().equals("exp")) {
          assertThat(plts).anyMatch(s -> contains(s, row.address()));
        }
      }
      if (used.stream().noneMatch(o -> o.start() <= d.end() && d.end() < o.end())) {
        if (table.rule(d.end()) != CfiRule.NONE) {
          mismatches.add(String.format("%x: the gap after a description has a rule", d.end()));
        }
      }
    }
    assertThat(mismatches).as("%d rows of %s", rows, shown).isEmpty();
    assertThat(rows).isGreaterThan(used.size() / 2);
  }

  /** readelf's dump of {@code file} alone (it would look for separate debug files, and fail). */
  private static String readelf(String what, Path file) throws Exception {
    return run("readelf", "--debug-dump=no-follow-links", "--debug-dump=" + what, file.toString());
  }

  private static boolean contains(ElfSection section, long address) {
    return Long.compareUnsigned(address - section.address(), section.size()) < 0;
  }

  /**
   * The descriptions the table must hold: all of {@code .eh_frame}, and those of {@code
   * .debug_frame} over code {@code .eh_frame} does not describe (with a real start: the linker
   * leaves discarded functions at 0).
   */
  private static List<ReadelfFrames.Description> usedDescriptions(
      List<ReadelfFrames.Description> all) {
    List<ReadelfFrames.Description> eh =
        all.stream().filter(d -> d.section().equals(".eh_frame")).toList();
    List<ReadelfFrames.Description> used = new ArrayList<>(eh);
    for (ReadelfFrames.Description d : all) {
      if (d.section().equals(".debug_frame")
          && d.start() != 0
          && d.end() != d.start()
          && eh.stream().noneMatch(e -> e.start() < d.end() && d.start() < e.end())) {
        used.add(d);
      }
    }
    return used;
  }

  private static final Pattern FDE_LINE = Pattern.compile(".* FDE cie=\\S+ pc=([0-9a-f]+)\\.\\..*");
  private static final Pattern PLT_EXPRESSION =
      Pattern.compile(
          "DW_CFA_def_cfa_expression \\(DW_OP_breg7 \\(rsp\\): (\\d+); DW_OP_breg16 \\(rip\\): 0;"
              + " DW_OP_lit15; DW_OP_and; DW_OP_lit(\\d+); DW_OP_ge; DW_OP_lit3; DW_OP_shl;"
              + " DW_OP_plus\\)");

  /** For each description start whose instructions hold the PLT's CFA expression: N and T. */
  private static Map<Long, long[]> pltExpressions(String rawDump) {
    Map<Long, long[]> found = new HashMap<>();
    long start = -1;
    for (String line : rawDump.split("\n")) {
      Matcher fde = FDE_LINE.matcher(line);
      if (fde.matches()) {
        start = Long.parseUnsignedLong(fde.group(1), 16);
        continue;
      }
      Matcher plt = PLT_EXPRESSION.matcher(line.trim());
      if (plt.matches() && start != -1) {
        found.put(start, new long[] {Long.parseLong(plt.group(1)), Long.parseLong(plt.group(2))});
      }
    }
    return found;
  }
}
