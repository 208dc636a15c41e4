package io.leakdetector.symbols.windows;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * mingw-w64 as ground truth for the dbghelp bindings: compiles dbghelp_layout.c to assembly and
 * reads its initialised constants back (nothing runs on Windows), and lists import-library exports.
 * Skips without the toolchain, except under {@code CI=true}, where it fails.
 */
final class MingwFacts {
  static final Class<?>[] CONSTANT_HOLDERS = {DbgHelp.class, Psapi.class, ProcessApi.class};

  private static final Pattern LABEL =
      Pattern.compile("^_?((?:size|off|fsize|through|const|missing)__[A-Za-z0-9_]+):$");
  private static final Pattern DATA = Pattern.compile("^\\s+\\.(quad|long|space|zero)\\s+(-?\\d+)");
  private static Map<String, Long> facts;
  private static final Map<String, Set<String>> EXPORTS = new HashMap<>();

  private MingwFacts() {}

  static Path require(String tool) {
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

  /** The Java constants (public static final int/long) of the binding interfaces. */
  static Map<String, Number> constants() {
    Map<String, Number> constants = new LinkedHashMap<>();
    for (Class<?> holder : CONSTANT_HOLDERS) {
      for (Field field : holder.getDeclaredFields()) {
        int m = field.getModifiers();
        if (Modifier.isStatic(m)
            && Modifier.isFinal(m)
            && (field.getType() == int.class || field.getType() == long.class)) {
          try {
            constants.put(field.getName(), (Number) field.get(null));
          } catch (IllegalAccessException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return constants;
  }

  static synchronized Map<String, Long> x64() {
    if (facts != null) {
      return facts;
    }
    Path gcc = require("x86_64-w64-mingw32-gcc");
    try {
      Path dir =
          Files.createTempDirectory(Files.createDirectories(Path.of("target")), "dbghelp-facts");
      Path source = dir.resolve("dbghelp_layout.c");
      try (InputStream in = MingwFacts.class.getResourceAsStream("dbghelp_layout.c")) {
        Files.write(source, in.readAllBytes());
      }
      StringBuilder header = new StringBuilder();
      for (String name : constants().keySet()) {
        header
            .append("#ifdef ")
            .append(name)
            .append('\n')
            .append("FACT(const__")
            .append(name)
            .append(", (LONG_PTR)(")
            .append(name)
            .append("))\n")
            .append("#else\nFACT(missing__")
            .append(name)
            .append(", 0)\n#endif\n");
      }
      Files.writeString(dir.resolve("dbghelp_constants.h"), header);
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
              source.toString()));
      facts = parse(Files.readAllLines(assembly));
      return facts;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static long get(String name) {
    Long value = x64().get(name);
    if (value == null) {
      throw new AssertionError("dbghelp_layout.c defines no " + name);
    }
    return value;
  }

  private static Map<String, Long> parse(List<String> lines) {
    Map<String, Long> parsed = new HashMap<>();
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
      Matcher data = label == null ? null : DATA.matcher(line);
      if (data == null || !data.find()) {
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
        default -> bytes += (int) number;
      }
      if (bytes >= 8) {
        parsed.put(label, value);
        label = null;
      }
    }
    return parsed;
  }

  static synchronized Set<String> exports(String library) {
    Set<String> cached = EXPORTS.get(library);
    if (cached != null) {
      return cached;
    }
    Path gcc = require("x86_64-w64-mingw32-gcc");
    Path nm = require("x86_64-w64-mingw32-nm");
    String path = run(List.of(gcc.toString(), "-print-file-name=" + library)).trim();
    if (!Files.isRegularFile(Path.of(path))) {
      fail("mingw-w64 has no " + library);
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
