package io.leakdetector.bench;

import io.leakdetector.symbols.dwarf.DwarfInfo;
import io.leakdetector.symbols.elf.ElfFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The pure-Java DWARF reader's cost on a real file: the first lookup (reads the unit headers and
 * builds the address index), a first pass over many addresses (decodes every unit they touch), a
 * second pass (everything cached), the reader's own memory count and the heap it really holds.
 *
 * <p>Run: {@code java -cp leak-bench/target/benchmarks.jar io.leakdetector.bench.DwarfLookup FILE
 * ADDRESSES} where ADDRESSES has one hex address per line ({@code bench/dwarf.sh} makes them from
 * the call instructions of the file's code).
 */
public final class DwarfLookup {
  private DwarfLookup() {}

  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[1]));
    long[] addresses = new long[lines.size()];
    for (int i = 0; i < addresses.length; i++) {
      String line = lines.get(i).trim();
      addresses[i] = Long.parseUnsignedLong(line.startsWith("0x") ? line.substring(2) : line, 16);
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    try (ElfFile elf = ElfFile.open(Path.of(args[0]))) {
      DwarfInfo dwarf = DwarfInfo.open(elf);
      long t0 = System.nanoTime();
      dwarf.lookup(addresses[0]);
      long t1 = System.nanoTime();
      long frames = 0;
      for (long address : addresses) {
        frames += dwarf.lookup(address).size();
      }
      long t2 = System.nanoTime();
      for (long address : addresses) {
        dwarf.lookup(address);
      }
      long t3 = System.nanoTime();
      System.gc();
      long heapAfter = memory.getHeapMemoryUsage().getUsed();
      System.out.printf(
          Locale.ROOT,
          "java: first lookup %.0f ms; first pass %d lookups %.0f ms (%.1f us each), %d frames;"
              + " second pass %.1f us each; memoryBytes %.1f MB; heap held %.1f MB%n",
          (t1 - t0) / 1e6,
          addresses.length,
          (t2 - t1) / 1e6,
          (t2 - t1) / 1e3 / addresses.length,
          frames,
          (t3 - t2) / 1e3 / addresses.length,
          dwarf.memoryBytes() / 1048576.0,
          (heapAfter - heapBefore) / 1048576.0);
    }
  }
}
