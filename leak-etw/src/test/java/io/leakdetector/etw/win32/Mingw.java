package io.leakdetector.etw.win32;

import io.leakdetector.testkit.AssemblyFacts;
import io.leakdetector.testkit.ImportLibraries;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The mingw-w64 cross toolchain as ground truth: compiles a C file of initialised constants to
 * assembly and reads the constants back (nothing runs on Windows), and lists what an import library
 * exports. Without the toolchain a test is skipped, except in CI, where it fails.
 */
public final class Mingw {
  public static final String GCC_64 = "x86_64-w64-mingw32-gcc";
  public static final String GCC_32 = "i686-w64-mingw32-gcc";
  public static final String NM_64 = "x86_64-w64-mingw32-nm";

  /** The checked-in generator source. */
  public static final Path LAYOUT_SOURCE = Path.of("src/test/c/etw_layout.c");

  private static final Pattern LABEL =
      Pattern.compile("^_?((?:size|off|fsize|path|const|missing|ptrsize)__[A-Za-z0-9_]+):$");
  private static final Map<String, Map<String, Long>> FACTS = new HashMap<>();

  private Mingw() {}

  /** The tool's path; skips the test (fails it in CI) when it is not installed. */
  public static Path require(String tool) {
    return Prerequisite.tool(tool, "install Debian's mingw-w64 (apt-get install mingw-w64)");
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
      Map<String, Long> facts = AssemblyFacts.compile(gcc, source, dir, LABEL);
      FACTS.put(key, facts);
      return facts;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * The symbols an import library defines (e.g. {@code StartTraceW}, {@code __imp_StartTraceW}).
   */
  public static Set<String> exports(String library) {
    return ImportLibraries.exports(require(GCC_64), require(NM_64), library);
  }
}
