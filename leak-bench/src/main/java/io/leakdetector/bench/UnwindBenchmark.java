package io.leakdetector.bench;

import io.leakdetector.StackEnd;
import io.leakdetector.symbols.testing.StackCaptures;
import io.leakdetector.symbols.testing.StackCaptures.Capture;
import io.leakdetector.symbols.unwind.StackUnwinder;
import io.leakdetector.symbols.unwind.UnwindMode;
import io.leakdetector.symbols.unwind.UnwindModules;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per unwound stack in the reader, over stacks recorded from real processes (the C
 * fixtures of leak-symbols' tests, compiled with gcc at setup; the system's libc):
 *
 * <ul>
 *   <li>{@code nofp}: a program without frame pointers whose stack runs through libc's qsort: 19,
 *       20 and 21 frames to {@code _start}, each unwound from CFI and a 16 KiB copy ({@code auto}
 *       finds no frame pointer and does what {@code dwarf} does).
 *   <li>{@code fplib}: frame-pointer code around a library without: 7 frames; {@code auto} unwinds
 *       the library's two frames from the copy and takes the kernel's chain for the rest.
 * </ul>
 *
 * Tables are compiled before measuring. The setup prints each stack's frame count.
 */
@Fork(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class UnwindBenchmark {
  @Param({"nofp", "fplib"})
  public String stack;

  @Param({"DWARF", "AUTO"})
  public UnwindMode mode;

  List<Capture> captures;
  List<ByteBuffer> stacks; // each capture's stack, wrapped once (the reader reads its ring's)
  StackUnwinder unwinder;
  long[] out = new long[128];
  int next;

  @Setup
  public void record() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("unwind-bench");
    try {
      StackCaptures.Run run =
          stack.equals("nofp")
              ? StackCaptures.withoutFramePointers(dir, 6, 7, 8)
              : StackCaptures.framePointersAroundLibrary(dir);
      UnwindModules modules = run.modules();
      modules.loadTables();
      captures = run.captures();
      stacks = captures.stream().map(c -> ByteBuffer.wrap(c.stack())).toList();
      unwinder = new StackUnwinder(modules, mode, 127);
      for (int k = 0; k < captures.size(); k++) {
        int n = unwind(k);
        System.out.printf(
            "%n%s %s: %d frames, %s%n",
            stack,
            mode,
            n,
            StackEnd.of(out[n - 1]).map(e -> "ends with " + e).orElse("to the outermost frame"));
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  int unwind(int k) {
    Capture c = captures.get(k);
    return unwinder.unwind(
        c.ip(),
        c.sp(),
        c.bp(),
        stacks.get(k),
        0,
        c.stack().length,
        c.stackAddress(),
        c.chain(),
        0,
        c.chain().length,
        out,
        0,
        out.length);
  }

  @Benchmark
  public int unwindOne() {
    int k = next;
    next = next + 1 == captures.size() ? 0 : next + 1;
    return unwind(k);
  }
}
