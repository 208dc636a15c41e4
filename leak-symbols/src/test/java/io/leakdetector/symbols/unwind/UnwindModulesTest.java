package io.leakdetector.symbols.unwind;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSegment;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The per-process module table: mappings replace and split as mmap/munmap do, a file's table is
 * compiled once on first use and shared by its mappings, dropped with its last mapping; load bias
 * through the program headers; files without a table; and the JVM's own libc.
 */
class UnwindModulesTest {
  static final long RULE = CfiRule.of(CfiRule.CFA_SP, 16, CfiRule.REG_AT, -8, CfiRule.REG_SAME, 0);

  /** Segments: file offset 0x0 at 0x0 (read-only), file offset 0x2000 at 0x3000 (code). */
  static final List<ElfSegment> SEGMENTS =
      List.of(
          new ElfSegment(ElfSegment.PT_LOAD, ElfSegment.PF_R, 0, 0, 0x1000, 0x1000, 0x1000),
          new ElfSegment(
              ElfSegment.PT_LOAD,
              ElfSegment.PF_R | ElfSegment.PF_X,
              0x2000,
              0x3000,
              0x2000,
              0x2000,
              0x1000));

  final List<String> loads = new ArrayList<>();

  UnwindModules modules(Map<String, CfiTable> tables) {
    return UnwindModules.withLoader(
        (pathKey, file) -> {
          loads.add(pathKey);
          if (pathKey.equals("broken")) {
            throw new IOException("broken is not an ELF file");
          }
          return new UnwindModules.LoadedCfi(tables.get(pathKey), SEGMENTS);
        });
  }

  static CfiTable codeAt(long start, long end) {
    CfiTableBuilder builder = new CfiTableBuilder(start);
    builder.begin(start, end);
    builder.row(start, RULE);
    return builder.finish(CfiArchitecture.X86_64, new CfiTable.Statistics(1, 0, 0, "test"));
  }

  long ruleAt(UnwindModules modules, long address) {
    int index = modules.indexOf(address);
    return index < 0 ? -1 : modules.rule(index, address);
  }

  @Test
  void theLoadBiasComesFromTheMappedFileOffset() {
    UnwindModules modules = modules(Map.of("lib", codeAt(0x3100, 0x3200)));
    // the code segment (file offset 0x2000, address 0x3000) mapped at 0x7f0000002000
    modules.map(0x7f00_0000_2000L, 0x7f00_0000_4000L, 0x2000, "lib", Path.of("lib"));
    assertThat(ruleAt(modules, 0x7f00_0000_2100L)).isEqualTo(RULE);
    assertThat(ruleAt(modules, 0x7f00_0000_20ffL)).isEqualTo(CfiRule.NONE);
    assertThat(ruleAt(modules, 0x7f00_0000_2200L)).isEqualTo(CfiRule.NONE);
    assertThat(ruleAt(modules, 0x7f00_0000_4000L)).isEqualTo(-1);
  }

  @Test
  void aFileIsCompiledOnceOnFirstUseAndDroppedWithItsLastMapping() {
    UnwindModules modules = modules(Map.of("lib", codeAt(0x3000, 0x5000)));
    modules.map(0x10_2000, 0x10_3000, 0x2000, "lib", Path.of("/proc/1/map_files/a"));
    modules.map(0x10_3000, 0x10_4000, 0x3000, "lib", Path.of("/proc/1/map_files/b"));
    assertThat(loads).isEmpty();
    assertThat(modules.tableMemoryBytes()).isZero();
    assertThat(ruleAt(modules, 0x10_2100)).isEqualTo(RULE);
    assertThat(ruleAt(modules, 0x10_3100)).isEqualTo(RULE);
    assertThat(loads).containsExactly("lib");
    long bytes = modules.tableMemoryBytes();
    assertThat(bytes).isPositive();
    assertThat(modules.modules())
        .containsExactly(new UnwindModules.ModuleState("lib", true, 2, bytes, "test", null));
    modules.unmap(0x10_2000, 0x10_3000);
    assertThat(modules.tableMemoryBytes()).isEqualTo(bytes);
    modules.unmap(0x10_3000, 0x10_4000);
    assertThat(modules.tableMemoryBytes()).isZero();
    assertThat(modules.modules()).isEmpty();
    modules.map(0x10_2000, 0x10_3000, 0x2000, "lib", Path.of("/proc/1/map_files/c"));
    assertThat(modules.loadTables()).isEqualTo(1);
    assertThat(loads).containsExactly("lib", "lib");
  }

  @Test
  void mappingsSplitAndReplaceAsMmapDoes() {
    UnwindModules modules = modules(Map.of("a", codeAt(0x3000, 0x5000)));
    modules.map(0x10_2000, 0x10_4000, 0x2000, "a", Path.of("a"));
    modules.unmap(0x10_2800, 0x10_3000); // a hole
    assertThat(modules.isExecutable(0x10_27ff)).isTrue();
    assertThat(modules.isExecutable(0x10_2800)).isFalse();
    assertThat(modules.isExecutable(0x10_2fff)).isFalse();
    assertThat(modules.isExecutable(0x10_3000)).isTrue();
    // the part after the hole keeps its file offset: same rule, same bias
    assertThat(ruleAt(modules, 0x10_3000)).isEqualTo(RULE);
    assertThat(ruleAt(modules, 0x10_2000)).isEqualTo(RULE);
    // JIT code mapped over the middle replaces it
    modules.mapAnonymous(0x10_2400, 0x10_3400);
    assertThat(ruleAt(modules, 0x10_2500)).isEqualTo(CfiRule.NONE);
    assertThat(modules.isExecutable(0x10_2500)).isTrue();
    assertThat(ruleAt(modules, 0x10_3400)).isEqualTo(RULE);
    assertThat(ruleAt(modules, 0x10_23ff)).isEqualTo(RULE);
    modules.clear();
    assertThat(modules.isExecutable(0x10_3400)).isFalse();
    assertThat(modules.modules()).isEmpty();
  }

  @Test
  void filesWithoutATableAreStillCode() {
    UnwindModules modules = modules(Map.of());
    modules.map(0x10_2000, 0x10_3000, 0x2000, "no-cfi", Path.of("no-cfi"));
    modules.map(0x20_2000, 0x20_3000, 0x2000, "broken", Path.of("broken"));
    modules.map(0x30_2000, 0x30_3000, 0x2000, "[vdso]", null);
    for (long address : new long[] {0x10_2100, 0x20_2100, 0x30_2100}) {
      assertThat(modules.isExecutable(address)).isTrue();
      assertThat(ruleAt(modules, address)).isEqualTo(CfiRule.NONE);
    }
    assertThat(modules.modules())
        .extracting(UnwindModules.ModuleState::pathKey, UnwindModules.ModuleState::problem)
        .containsExactlyInAnyOrder(
            Tuple.tuple("no-cfi", "no call frame information"),
            Tuple.tuple("broken", "broken is not an ELF file"),
            Tuple.tuple("[vdso]", "no readable file"));
    assertThat(modules.tableMemoryBytes()).isZero();
  }

  @Test
  void anAarch64TableIsNotReadWithX86Registers() {
    CfiTableBuilder builder = new CfiTableBuilder(0x3000);
    builder.begin(0x3000, 0x4000);
    builder.row(0x3000, RULE);
    CfiTable arm =
        builder.finish(CfiArchitecture.AARCH64, new CfiTable.Statistics(1, 0, 0, "test"));
    UnwindModules modules = modules(Map.of("arm", arm));
    modules.map(0x10_2000, 0x10_3000, 0x2000, "arm", Path.of("arm"));
    assertThat(ruleAt(modules, 0x10_2100)).isEqualTo(CfiRule.NONE);
    assertThat(modules.modules())
        .extracting(UnwindModules.ModuleState::problem)
        .containsExactly("unwinding is implemented for x86-64 only");
  }

  @Test
  void theJvmsOwnLibcIsFoundAtItsRuntimeAddresses() throws Exception {
    List<ProcMapsEntry> maps = ProcMaps.read(ProcessHandle.current().pid());
    UnwindModules modules = new UnwindModules();
    ProcMapsEntry libcCode = null;
    for (ProcMapsEntry e : maps) {
      if (e.isExecutable() && e.isFile()) {
        Path readable = Path.of("/proc/self/map_files/" + e.mapFilesName());
        modules.map(e.start(), e.end(), e.fileOffset(), e.path(), readable);
        if (e.path().endsWith("/libc.so.6")) {
          libcCode = e;
        }
      }
    }
    Prerequisite.require(libcCode != null, "the JVM has no libc.so.6 mapped (not glibc?)");
    Path libc = Path.of(libcCode.path());
    assertThat(Files.isRegularFile(libc)).isTrue();
    try (ElfFile elf = ElfFile.open(libc)) {
      CfiTable table = CfiTable.build(elf);
      long bias = elf.loadBias(libcCode.start(), libcCode.fileOffset()).orElseThrow();
      for (String function : List.of("malloc", "free", "qsort", "memcpy")) {
        long value = elf.findSymbol(function).orElseThrow().value();
        long runtime = value + bias + 4;
        assertThat(ruleAt(modules, runtime))
            .as(function)
            .isEqualTo(table.rule(value + 4))
            .isNotEqualTo(CfiRule.NONE);
      }
    }
    String libcKey = libcCode.path();
    assertThat(modules.modules())
        .anyMatch(m -> m.pathKey().equals(libcKey) && m.rows() > 1000 && m.problem() == null);
  }
}
