package io.leakdetector.uprobes.testing;

import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.RawStack;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Names the fixture function an address of a running fixture lies in (ELF symbols + bias). */
public final class FixtureSymbols {
  private final List<ElfSymbol> functions;
  private final long bias;

  public FixtureSymbols(Path program, long pid) throws IOException {
    String real = program.toRealPath().toString();
    long b = Long.MIN_VALUE;
    try (ElfFile elf = ElfFile.open(program)) {
      functions = elf.symbols().stream().filter(ElfSymbol::isFunction).toList();
      for (ProcMapsEntry e : ProcMaps.read(pid)) {
        if (e.path().equals(real)) {
          b = elf.loadBias(e.start(), e.fileOffset()).orElseThrow();
          break;
        }
      }
    }
    if (b == Long.MIN_VALUE) {
      throw new IOException(real + " is not mapped by " + pid);
    }
    bias = b;
  }

  /** From the mappings the source reported (the fixture may have exited). */
  public FixtureSymbols(Path program, List<ModuleMapping> mappings) throws IOException {
    String real = program.toRealPath().toString();
    long b = Long.MIN_VALUE;
    try (ElfFile elf = ElfFile.open(program)) {
      functions = elf.symbols().stream().filter(ElfSymbol::isFunction).toList();
      for (ModuleMapping m : mappings) {
        if (m.path().equals(real)) {
          b = elf.loadBias(m.start(), m.fileOffset()).orElseThrow();
          break;
        }
      }
    }
    if (b == Long.MIN_VALUE) {
      throw new IOException(real + " is not among the reported mappings " + mappings);
    }
    bias = b;
  }

  /** The function containing {@code address}, or "?" when none of the fixture's does. */
  public String functionAt(long address) {
    long vaddr = address - bias;
    for (ElfSymbol s : functions) {
      if (s.contains(vaddr)) {
        return s.name();
      }
    }
    return "?";
  }

  /** A return address points after the call: look one byte back for the calling function. */
  public String callerAt(long returnAddress) {
    return functionAt(returnAddress - 1);
  }

  /** Index of allocations in a {@link #byFunction} value. */
  public static final int ALLOCS = 0;

  /** Index of frees in a {@link #byFunction} value. */
  public static final int FREES = 1;

  /** Index of outstanding blocks in a {@link #byFunction} value. */
  public static final int OUTSTANDING = 2;

  /** Index of outstanding bytes in a {@link #byFunction} value. */
  public static final int OUTSTANDING_BYTES = 3;

  /**
   * The snapshot's stacks summed per allocating function (the function that called the allocator,
   * "?" outside the fixture, "(empty)" for an empty stack), sorted by name.
   */
  public Map<String, long[]> byFunction(EngineSnapshot snapshot) {
    Map<String, long[]> sums = new TreeMap<>();
    for (RawStack s : snapshot.stacks()) {
      String fn = s.frames().length == 0 ? "(empty)" : callerAt(s.frames()[0]);
      long[] c = sums.computeIfAbsent(fn, k -> new long[4]);
      c[ALLOCS] += s.allocCount();
      c[FREES] += s.freeCount();
      c[OUTSTANDING] += s.outstandingCount();
      c[OUTSTANDING_BYTES] += s.outstandingBytes();
    }
    return sums;
  }

  /** The functions with outstanding blocks, each as {@code "N blocks, B bytes"}, sorted by name. */
  public Map<String, String> outstandingByFunction(EngineSnapshot snapshot) {
    Map<String, String> outstanding = new TreeMap<>();
    byFunction(snapshot)
        .forEach(
            (fn, c) -> {
              if (c[OUTSTANDING] != 0) {
                outstanding.put(fn, c[OUTSTANDING] + " blocks, " + c[OUTSTANDING_BYTES] + " bytes");
              }
            });
    return outstanding;
  }
}
