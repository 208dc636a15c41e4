package io.leakdetector.etw.win32;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mingw-w64 cross toolchain as ground truth: compiles a C file of initialised constants to
 * assembly and reads the constants back (nothing runs on Windows), and lists what an import library
 * exports. Without the toolchain a test is skipped, except under {@code CI=true}, where it fails.
 */
public final class Mingw {
  public static final String GCC_64 = "x86_64-w64-mingw32-gcc";
  public static final String GCC_32 = "i686-w64-mingw32-gcc";
  public static final String NM_64 = "x86_64-w64-mingw32-nm";

  /** The checked-in generator source. */
  public static final Path LAYOUT_SOURCE = Path.of("src/test/c/etw_layout.c");

  private static final Pattern LABEL =
      Pattern.compile("^_?((?:size|off|fsize|path|const|missing|ptrsize)__[A-Za-z0-9_]+):$");
  private static final Pattern DATA = Pattern.compile("^\\s+\\.(quad|long|space|zero)\\s+(-?\\d+)");
  private static final Map<String, Map<String, Long>> FACTS = new HashMap<>();
  private static final Map<String, Set<String>> EXPORTS = new HashMap<>();

  private Mingw() {}

  /** The tool's path; skips the test (fails it under CI=true) when it is not installed. */
  public static Path require(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String message = tool + " is missing: install Debian's mingw-w64 (apt-get install mingw-w64)";
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    assumeTrue(false, message);
    return null;
  }

  /**
   * The facts of {@code source} compiled by {@code compiler}, with {@code generated} files (name to
   * content) on the include path. Cached per compiler, source and generated files.
   */
  public static synchronized Map<String, Long> facts(
      String compiler, Path source, Map<String, String> generated) {
    String key = compiler + "|" + source.toAbsolutePath() + "|" + generated;
    Map<String, Long> cached = FACTS.get(key);
    if (cached != null) {
      return cached;
    }
    Path gcc = require(compiler);
    try {
      Path dir =
          Files.createTempDirectory(Files.createDirectories(Path.of("target")), "mingw-facts");
      for (Map.Entry<String, String> file : generated.entrySet()) {
        Files.writeString(dir.resolve(file.getKey()), file.getValue());
      }
      Path assembly = dir.resolve("facts.s");
      run(
          List.of(
              gcc.toString(),
              "-S",
              "-O0",
              "-I",
              dir.toString(),
              "-o",
              assembly.toString(),
              source.toAbsolutePath().toString()));
      Map<String, Long> facts = parse(Files.readAllLines(assembly));
      FACTS.put(key, facts);
      return facts;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Reads each labelled constant (8 bytes, little-endian) out of gcc's assembly. */
  static Map<String, Long> parse(List<String> lines) {
    Map<String, Long> facts = new HashMap<>();
    String label = null;
    long value = 0;
    int bytes = 0;
    for (String line : lines) {
      Matcher name = LABEL.matcher(line);
      if (name.matches()) {
        label = name.group(1);
        value = 0;
        bytes = 0;
        continue;
      }
      if (label == null) {
        continue;
      }
      Matcher data = DATA.matcher(line);
      if (!data.find()) {
        continue;
      }
      long number = Long.parseLong(data.group(2));
      switch (data.group(1)) {
        case "quad" -> {
          value = number;
          bytes = 8;
        }
        case "long" -> {
          value |= (number & 0xFFFFFFFFL) << (8 * bytes);
          bytes += 4;
        }
        default -> bytes += (int) number; // .space/.zero: zero bytes
      }
      if (bytes >= 8) {
        facts.put(label, value);
        label = null;
      }
    }
    return facts;
  }

  /**
   * The symbols an import library defines (e.g. {@code StartTraceW}, {@code __imp_StartTraceW}).
   */
  public static synchronized Set<String> exports(String library) {
    Set<String> cached = EXPORTS.get(library);
    if (cached != null) {
      return cached;
    }
    Path gcc = require(GCC_64);
    Path nm = require(NM_64);
    String path = run(List.of(gcc.toString(), "-print-file-name=" + library)).trim();
    if (!Files.isRegularFile(Path.of(path))) {
      fail("mingw-w64 has no " + library + " (" + path + ")");
    }
    Set<String> symbols = new HashSet<>();
    for (String line : run(List.of(nm.toString(), "-g", "--defined-only", path)).split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 3) {
        symbols.add(parts[2]);
      }
    }
    EXPORTS.put(library, symbols);
    return symbols;
  }

  private static String run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(command + " failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
