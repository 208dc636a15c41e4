package io.leakdetector.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a toolchain's import libraries export (e.g. mingw-w64's {@code libadvapi32.a}). */
public final class ImportLibraries {
  private static final Map<String, Set<String>> EXPORTS = new HashMap<>();

  private ImportLibraries() {}

  /**
   * The symbols {@code library} defines (e.g. {@code StartTraceW}, {@code __imp_StartTraceW}),
   * found with {@code compiler -print-file-name} and listed with {@code nm}. Cached.
   */
  public static synchronized Set<String> exports(Path compiler, Path nm, String library) {
    String key = compiler + "|" + library;
    Set<String> cached = EXPORTS.get(key);
    if (cached != null) {
      return cached;
    }
    String path = Commands.run(List.of(compiler.toString(), "-print-file-name=" + library)).trim();
    if (!Files.isRegularFile(Path.of(path))) {
      fail(compiler.getFileName() + " has no " + library + " (" + path + ")");
    }
    Set<String> symbols = new HashSet<>();
    for (String line :
        Commands.run(List.of(nm.toString(), "-g", "--defined-only", path)).split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 3) {
        symbols.add(parts[2]);
      }
    }
    EXPORTS.put(key, symbols);
    return symbols;
  }
}
