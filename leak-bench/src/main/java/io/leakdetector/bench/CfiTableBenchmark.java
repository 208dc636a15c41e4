package io.leakdetector.bench;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.unwind.CfiTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Milliseconds to compile one module's call frame information (open the ELF file, read {@code
 * .eh_frame}, build the table), and the table's size, printed at the end. A cold first build (what
 * the reader pays on a module's first unwind) is {@code -bm ss -wi 0 -i 1 -f 5}.
 */
@Fork(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class CfiTableBenchmark {
  @Param({
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libstdc++.so.6",
    "/usr/bin/python3.11"
  })
  public String file;

  CfiTable last;

  @Benchmark
  public CfiTable build() throws IOException {
    try (ElfFile elf = ElfFile.open(Path.of(file))) {
      last = CfiTable.build(elf);
      return last;
    }
  }

  @TearDown
  public void report() {
    System.out.printf(
        "%n%s: %d FDEs, %d rows, %d distinct rules, %d bytes (%.1f KiB), %.0f%% of code covered%n",
        file,
        last.statistics().descriptions(),
        last.rowCount(),
        last.distinctRules(),
        last.memoryBytes(),
        last.memoryBytes() / 1024.0,
        100.0 * last.coveredBytes() / codeBytes());
  }

  private long codeBytes() {
    try (ElfFile elf = ElfFile.open(Path.of(file))) {
      return elf.loadSegments().stream()
          .filter(s -> s.isExecutable())
          .mapToLong(s -> s.memorySize())
          .sum();
    } catch (IOException e) {
      return -1;
    }
  }
}
