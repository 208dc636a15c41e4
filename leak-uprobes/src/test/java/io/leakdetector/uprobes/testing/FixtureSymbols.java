package io.leakdetector.uprobes.testing;

import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import io.leakdetector.uprobes.probe.MapsEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Names the fixture function an address of a running fixture lies in (ELF symbols + bias). */
public final class FixtureSymbols {
  private final List<ElfSymbol> functions;
  private final long bias;

  public FixtureSymbols(Path program, long pid) throws IOException {
    String real = program.toRealPath().toString();
    long b = Long.MIN_VALUE;
    try (ElfFile elf = ElfFile.open(program)) {
      functions = elf.symbols().stream().filter(ElfSymbol::isFunction).toList();
      for (MapsEntry e : MapsEntry.read(pid)) {
        if (e.path().equals(real)) {
          b = elf.loadBias(e.start(), e.offset()).orElseThrow();
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
}
