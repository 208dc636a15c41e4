package io.leakdetector.symbols.windows;

import io.leakdetector.testkit.AssemblyFacts;
import io.leakdetector.testkit.ImportLibraries;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * mingw-w64 as ground truth for the dbghelp bindings: compiles dbghelp_layout.c to assembly and
 * reads its initialised constants back (nothing runs on Windows), and lists import-library exports.
 * Skips without the toolchain, except in CI, where it fails.
 */
final class MingwFacts {
  static final Class<?>[] CONSTANT_HOLDERS = {DbgHelp.class, PsapiEx.class};

  private static final Pattern LABEL =
      Pattern.compile("^_?((?:size|off|fsize|through|const|missing)__[A-Za-z0-9_]+):$");
  private static Map<String, Long> facts;

  private MingwFacts() {}

  static Path require(String tool) {
    return Prerequisite.tool(tool, "install Debian's mingw-w64 (apt-get install mingw-w64)");
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
      facts = AssemblyFacts.compile(gcc, source, dir, LABEL);
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

  static Set<String> exports(String library) {
    return ImportLibraries.exports(
        require("x86_64-w64-mingw32-gcc"), require("x86_64-w64-mingw32-nm"), library);
  }
}
