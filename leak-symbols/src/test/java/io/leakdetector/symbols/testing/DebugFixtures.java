package io.leakdetector.symbols.testing;

import static io.leakdetector.symbols.testing.NativeTools.requireTool;
import static io.leakdetector.symbols.testing.NativeTools.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Stripped binaries and their debug information, made with binutils and xz the way distributions
 * make them, and {@code nm}'s view of the unstripped binary as the ground truth.
 */
public final class DebugFixtures {
  private DebugFixtures() {}

  /** {@code objcopy --only-keep-debug}: the separate debug file of {@code binary}. */
  public static Path debugFile(Path binary, Path out) throws IOException, InterruptedException {
    requireTool("objcopy");
    run("objcopy", "--only-keep-debug", binary.toString(), out.toString());
    return out;
  }

  /** A copy of {@code binary} without any symbol table or debug information. */
  public static Path stripped(Path binary, Path out) throws IOException, InterruptedException {
    requireTool("strip");
    run("strip", "--strip-all", "-R", ".comment", "-o", out.toString(), binary.toString());
    return out;
  }

  /**
   * A stripped copy of {@code binary} with MiniDebugInfo, made as Fedora's build does it (GDB's
   * manual, "MiniDebugInfo"): the function symbols that {@code .dynsym} lacks are kept in a
   * symbols-only copy of the debug file, compressed with {@code xz} and added as {@code
   * .gnu_debugdata}.
   *
   * @param work a folder for the intermediate files
   */
  public static Path withMiniDebugInfo(Path binary, Path out, Path work)
      throws IOException, InterruptedException {
    requireTool("nm");
    requireTool("xz");
    String name = binary.getFileName().toString();
    Set<String> dynamic = new HashSet<>();
    for (String[] f : posixSymbols("-D", binary)) {
      dynamic.add(f[0]);
    }
    List<String> keep = new ArrayList<>();
    for (String[] f : posixSymbols(null, binary)) {
      if (Set.of("T", "t", "D").contains(f[1]) && !dynamic.contains(f[0])) {
        keep.add(f[0]);
      }
    }
    Path keepList = Files.write(work.resolve(name + ".keep_symbols"), keep);
    Path debug = debugFile(binary, work.resolve(name + ".full-debug"));
    Path mini = work.resolve(name + ".mini_debuginfo");
    run(
        "objcopy",
        "-S",
        "--remove-section",
        ".gdb_index",
        "--remove-section",
        ".comment",
        "--keep-symbols=" + keepList,
        debug.toString(),
        mini.toString());
    run("xz", "--force", "--keep", mini.toString());
    stripped(binary, out);
    run("objcopy", "--add-section", ".gnu_debugdata=" + mini + ".xz", out.toString());
    return out;
  }

  /**
   * The function symbols ({@code nm} types {@code T} and {@code t}) of {@code binary}: file address
   * to every name {@code nm} shows there.
   */
  public static Map<Long, Set<String>> nmFunctions(Path binary)
      throws IOException, InterruptedException {
    requireTool("nm");
    Map<Long, Set<String>> functions = new TreeMap<>();
    for (String[] f : posixSymbols(null, binary)) {
      if (f[1].equals("T") || f[1].equals("t")) {
        functions.computeIfAbsent(Long.parseUnsignedLong(f[2], 16), k -> new HashSet<>()).add(f[0]);
      }
    }
    return functions;
  }

  /** {@code nm --format=posix --defined-only}: name, type, value, (size) per symbol. */
  private static List<String[]> posixSymbols(String flag, Path binary)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("nm", "--format=posix", "--defined-only"));
    if (flag != null) {
      command.add(flag);
    }
    command.add(binary.toString());
    List<String[]> symbols = new ArrayList<>();
    for (String line : run(command).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && !line.startsWith("nm:")) {
        symbols.add(f);
      }
    }
    return symbols;
  }
}
