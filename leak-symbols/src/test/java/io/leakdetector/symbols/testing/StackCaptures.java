package io.leakdetector.symbols.testing;

import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.symbols.unwind.UnwindModules;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Real stacks of real processes, as a uretprobe at an allocation's return would capture them: the C
 * fixtures under {@code fixtures/unwind/} are compiled here, run, and at their capture points write
 * ip, sp, rbp, the top 16 KiB of their stack (less where it ends), the frame-pointer callchain the
 * kernel would walk, and as ground truth the return address each of their functions recorded with
 * {@code __builtin_return_address(0)}.
 */
public final class StackCaptures {
  /**
   * One capture.
   *
   * @param truth the fixture's own return addresses, innermost function first
   */
  public record Capture(
      long ip, long sp, long bp, long stackAddress, byte[] stack, long[] chain, long[] truth) {}

  /** The captures of one run and the process's mappings. */
  public record Run(Path binary, Path library, List<Capture> captures, List<ProcMapsEntry> maps) {
    /** The run's executable mappings, files read from their paths (the process has exited). */
    public UnwindModules modules() {
      UnwindModules modules = new UnwindModules();
      for (ProcMapsEntry e : maps) {
        if (!e.isExecutable()) {
          continue;
        }
        if (e.isFile()) {
          modules.map(e.start(), e.end(), e.fileOffset(), e.path(), Path.of(e.path()));
        } else {
          modules.mapAnonymous(e.start(), e.end()); // [vdso], [vsyscall], JIT code
        }
      }
      return modules;
    }

    /** The mapping holding {@code address}. */
    public ProcMapsEntry mappingOf(long address) {
      return maps.stream()
          .filter(e -> e.contains(address))
          .findFirst()
          .orElseThrow(() -> new AssertionError("0x" + Long.toHexString(address) + " is unmapped"));
    }
  }

  private static final String[] SOURCES = {"capture.h", "capture.c", "nofp.c", "mid.c", "fpmain.c"};

  private StackCaptures() {}

  /**
   * {@code main → sorter → qsort (libc) → … → cmp → deep(d−1) → … → deep(0)}, all built at {@code
   * -O2 -fomit-frame-pointer}; one capture per depth d. Truth: deep(k) at k, cmp at d, sorter at d
   * + 1, main at d + 2.
   */
  public static Run withoutFramePointers(Path dir, int... depths)
      throws IOException, InterruptedException {
    sources(dir);
    Path binary = dir.resolve("nofp");
    NativeTools.run(
        "gcc",
        "-O2",
        "-g",
        "-fomit-frame-pointer",
        "-o",
        binary.toString(),
        dir.resolve("nofp.c").toString(),
        dir.resolve("capture.c").toString());
    List<String> command =
        new ArrayList<>(List.of(binary.toString(), dir.resolve("nofp-stack").toString()));
    Arrays.stream(depths).forEach(d -> command.add(Integer.toString(d)));
    return parse(binary, null, NativeTools.run(command));
  }

  /**
   * {@code main → outer} built with frame pointers, {@code → mid_entry → mid_inner} in a library
   * built without; mid_inner captures. Truth: mid_inner at 0, mid_entry 1, outer 2, main 3.
   */
  public static Run framePointersAroundLibrary(Path dir) throws IOException, InterruptedException {
    sources(dir);
    Path library = dir.resolve("libmid.so");
    NativeTools.run(
        "gcc",
        "-O2",
        "-g",
        "-fomit-frame-pointer",
        "-fPIC",
        "-shared",
        "-o",
        library.toString(),
        dir.resolve("mid.c").toString(),
        dir.resolve("capture.c").toString());
    Path binary = dir.resolve("fpmain");
    NativeTools.run(
        "gcc",
        "-O2",
        "-g",
        "-fno-omit-frame-pointer",
        "-o",
        binary.toString(),
        dir.resolve("fpmain.c").toString(),
        "-L" + dir,
        "-lmid",
        "-Wl,-rpath," + dir);
    return parse(
        binary, library, NativeTools.run(binary.toString(), dir.resolve("fp-stack").toString()));
  }

  private static void sources(Path dir) throws IOException {
    NativeTools.requireTool("gcc");
    for (String name : SOURCES) {
      try (InputStream in = StackCaptures.class.getResourceAsStream("/fixtures/unwind/" + name)) {
        if (in == null) {
          throw new IOException("missing test resource /fixtures/unwind/" + name);
        }
        Files.write(dir.resolve(name), in.readAllBytes());
      }
    }
  }

  private static Run parse(Path binary, Path library, String output) throws IOException {
    List<Capture> captures = new ArrayList<>();
    String[] lines = output.split("\n");
    int i = 0;
    while (i < lines.length && lines[i].startsWith("capture ")) {
      String[] head = lines[i].split(" ");
      long[] truth = hex(lines[i + 1], "truth");
      long[] chain = hex(lines[i + 2], "chain");
      byte[] stack = Files.readAllBytes(Path.of(head[6]));
      if (stack.length != Integer.parseInt(head[5], 16)) {
        throw new IOException(head[6] + " holds " + stack.length + " bytes, not 0x" + head[5]);
      }
      captures.add(
          new Capture(
              Long.parseUnsignedLong(head[1], 16),
              Long.parseUnsignedLong(head[2], 16),
              Long.parseUnsignedLong(head[3], 16),
              Long.parseUnsignedLong(head[4], 16),
              stack,
              chain,
              truth));
      i += 3;
    }
    if (i >= lines.length || !lines[i].equals("maps")) {
      throw new IOException("the fixture printed no maps:\n" + output);
    }
    StringBuilder maps = new StringBuilder();
    for (i++; i < lines.length && !lines[i].equals("end"); i++) {
      maps.append(lines[i]).append('\n');
    }
    return new Run(binary, library, List.copyOf(captures), ProcMaps.parse(maps.toString()));
  }

  private static long[] hex(String line, String label) throws IOException {
    String[] words = line.trim().split(" ");
    if (!words[0].equals(label)) {
      throw new IOException("expected a " + label + " line, got: " + line);
    }
    return Arrays.stream(words, 1, words.length)
        .mapToLong(w -> Long.parseUnsignedLong(w, 16))
        .toArray();
  }
}
