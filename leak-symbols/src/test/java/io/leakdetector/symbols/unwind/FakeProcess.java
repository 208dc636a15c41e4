package io.leakdetector.symbols.unwind;

import static io.leakdetector.symbols.unwind.CfiRule.CFA_FP;
import static io.leakdetector.symbols.unwind.CfiRule.CFA_PLT;
import static io.leakdetector.symbols.unwind.CfiRule.CFA_SP;
import static io.leakdetector.symbols.unwind.CfiRule.CFA_UNSUPPORTED;
import static io.leakdetector.symbols.unwind.CfiRule.REG_AT;
import static io.leakdetector.symbols.unwind.CfiRule.REG_SAME;
import static io.leakdetector.symbols.unwind.CfiRule.REG_UNDEFINED;
import static io.leakdetector.symbols.unwind.CfiRule.REG_UNSUPPORTED;

import io.leakdetector.symbols.elf.ElfSegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The address space of a made-up x86-64 process: an executable "app" and a library "lib" whose
 * functions have the rules below (as their compiled CFI would give at their call sites), a range of
 * JIT code without CFI, and a gap in "app" without CFI.
 */
final class FakeProcess {
  static final long APP = 0x400000;
  static final long LIB = 0x7f00_0000_0000L;
  static final long JIT = 0x600000;

  // app's functions (file addresses) and their rules
  static final long MAIN_NOFP = 0x1000; // push rbx; sub rsp, 16
  static final long MAIN_FP = 0x1080; // push rbp; mov rbp, rsp
  static final long F_NOFP = 0x1100; // push rbp (used as a register); push rbx; sub rsp, 8
  static final long F_FP = 0x1180; // push rbp; mov rbp, rsp
  static final long START = 0x1300; // _start: the return address is undefined
  static final long UNSUPPORTED_CFA = 0x1400;
  static final long UNSUPPORTED_RA = 0x1480;
  static final long RBP_LOST = 0x1500; // rbp kept in another register
  static final long ZERO_FRAME = 0x1580; // CFA = rsp: the stack pointer would not grow
  static final long RECURSE = 0x1600;
  static final long PLT = 0x1700; // 16 bytes per stub
  static final long NO_CFI = 0x1800; // a gap in app's CFI
  // lib's
  static final long XMALLOC = 0x500; // push rbx

  static final Map<Long, Long> APP_RULES =
      Map.ofEntries(
          Map.entry(MAIN_NOFP, CfiRule.of(CFA_SP, 32, REG_AT, -8, REG_SAME, 0)),
          Map.entry(MAIN_FP, CfiRule.of(CFA_FP, 16, REG_AT, -8, REG_AT, -16)),
          Map.entry(F_NOFP, CfiRule.of(CFA_SP, 32, REG_AT, -8, REG_AT, -16)),
          Map.entry(F_FP, CfiRule.of(CFA_FP, 16, REG_AT, -8, REG_AT, -16)),
          Map.entry(START, CfiRule.of(CFA_SP, 8, REG_UNDEFINED, 0, REG_SAME, 0)),
          Map.entry(UNSUPPORTED_CFA, CfiRule.of(CFA_UNSUPPORTED, 0, REG_AT, -8, REG_SAME, 0)),
          Map.entry(UNSUPPORTED_RA, CfiRule.of(CFA_SP, 16, REG_UNSUPPORTED, 0, REG_SAME, 0)),
          Map.entry(RBP_LOST, CfiRule.of(CFA_SP, 16, REG_AT, -8, REG_UNSUPPORTED, 0)),
          Map.entry(ZERO_FRAME, CfiRule.of(CFA_SP, 0, REG_AT, -8, REG_SAME, 0)),
          Map.entry(RECURSE, CfiRule.of(CFA_SP, 16, REG_AT, -8, REG_SAME, 0)),
          Map.entry(PLT, CfiRule.of(CFA_PLT, 8, REG_AT, -8, REG_SAME, 0, 11, false)));

  static final Map<Long, Long> LIB_RULES =
      Map.of(XMALLOC, CfiRule.of(CFA_SP, 16, REG_AT, -8, REG_SAME, 0));

  private FakeProcess() {}

  /** The process's modules: app and lib with their tables, and the JIT range. */
  static UnwindModules modules() {
    Map<String, CfiTable> tables = Map.of("app", table(APP_RULES), "lib", table(LIB_RULES));
    UnwindModules modules =
        UnwindModules.withLoader(
            (pathKey, file) ->
                new UnwindModules.LoadedCfi(
                    tables.get(pathKey),
                    List.of(
                        new ElfSegment(
                            ElfSegment.PT_LOAD,
                            ElfSegment.PF_R | ElfSegment.PF_X,
                            0,
                            0,
                            0x10000,
                            0x10000,
                            0x1000))));
    modules.map(APP, APP + 0x10000, 0, "app", Path.of("app"));
    modules.map(LIB, LIB + 0x10000, 0, "lib", Path.of("lib"));
    modules.mapAnonymous(JIT, JIT + 0x10000);
    return modules;
  }

  /** Each function 0x80 bytes long (the PLT 0x100), with its one rule. */
  static CfiTable table(Map<Long, Long> rules) {
    long[] starts = rules.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    CfiTableBuilder builder = new CfiTableBuilder(starts[0]);
    for (long start : starts) {
      builder.begin(start, start + (start == PLT ? 0x100 : 0x80));
      builder.row(start, rules.get(start));
    }
    return builder.finish(
        CfiArchitecture.X86_64, new CfiTable.Statistics(starts.length, 0, 0, "synthetic"));
  }

  /** A runtime address in app. */
  static long app(long fileAddress) {
    return APP + fileAddress;
  }

  /** A runtime address in lib. */
  static long lib(long fileAddress) {
    return LIB + fileAddress;
  }
}
