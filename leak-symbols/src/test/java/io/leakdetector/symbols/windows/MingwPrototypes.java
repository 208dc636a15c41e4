package io.leakdetector.symbols.windows;

import io.leakdetector.testkit.AssemblyFacts;
import io.leakdetector.testkit.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prototypes the mingw-w64 headers declare, reduced to what the x64 calling convention depends
 * on: the byte size of the result and of each parameter. g++ takes each function's type apart
 * (templates) in a generated file, which is compiled to assembly and read back with {@link
 * AssemblyFacts}; nothing runs on Windows. A function the installed headers do not declare (they
 * are checked with the preprocessor first, macros such as psapi's {@code K32} names followed) has
 * no shape.
 */
final class MingwPrototypes {
  /** Sizes of the result (0 for void) and of each parameter, in bytes. */
  record Shape(long result, List<Long> parameters) {}

  static final String INCLUDES = "#include <windows.h>\n#include <dbghelp.h>\n#include <psapi.h>\n";
  private static final int MAX_PARAMETERS = 16;
  private static final Pattern LABEL = Pattern.compile("^_?(proto__[A-Za-z0-9_]+):$");
  private static final Pattern PROBE = Pattern.compile("^probe__(\\w+)\\s+(\\w+)\\s*$");

  private static final String SHAPES =
      """
      template <typename T> struct SizeOf { static constexpr long long value = sizeof(T); };
      template <> struct SizeOf<void> { static constexpr long long value = 0; };
      template <typename R, typename... A> struct Shape {
        static constexpr long long arity = sizeof...(A);
        static constexpr long long result = SizeOf<R>::value;
        static constexpr long long parameter(int i) {
          constexpr long long sizes[] = {(long long)sizeof(A)..., 0};
          return i < (int)sizeof...(A) ? sizes[i] : -1;
        }
      };
      template <typename R, typename... A> Shape<R, A...> shapeOf(R (WINAPI *)(A...));
      #define FACT(name, value) \\
        extern "C" __attribute__((used)) const long long name = (long long)(value);
      """;

  private MingwPrototypes() {}

  /** The shapes of those {@code functions} the headers declare. */
  static Map<String, Shape> of(Collection<String> functions) {
    Path gcc = MingwFacts.require("x86_64-w64-mingw32-gcc");
    Path gxx = MingwFacts.require("x86_64-w64-mingw32-g++");
    try {
      Path dir =
          Files.createTempDirectory(Files.createDirectories(Path.of("target")), "prototypes");
      Map<String, String> declared = declared(gcc, dir, functions);
      StringBuilder source = new StringBuilder(INCLUDES).append(SHAPES);
      for (String function : declared.keySet()) {
        String shape = "decltype(shapeOf(&" + function + "))";
        source.append(fact(function, "arity", shape + "::arity"));
        source.append(fact(function, "result", shape + "::result"));
        for (int i = 0; i < MAX_PARAMETERS; i++) {
          source.append(fact(function, "p" + i, shape + "::parameter(" + i + ")"));
        }
      }
      Path file = Files.writeString(dir.resolve("prototypes.cpp"), source);
      Map<String, Long> facts = AssemblyFacts.compile(gxx, file, dir, LABEL);
      Map<String, Shape> shapes = new LinkedHashMap<>();
      for (String function : declared.keySet()) {
        long arity = get(facts, function, "arity");
        List<Long> parameters = new ArrayList<>();
        for (int i = 0; i < arity; i++) {
          parameters.add(get(facts, function, "p" + i));
        }
        shapes.put(function, new Shape(get(facts, function, "result"), parameters));
      }
      return shapes;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Function → the name its declaration has after macro expansion, for the functions the headers
   * declare.
   */
  private static Map<String, String> declared(Path gcc, Path dir, Collection<String> functions)
      throws IOException {
    StringBuilder probe = new StringBuilder(INCLUDES);
    for (String function : functions) {
      probe.append("probe__").append(function).append(' ').append(function).append('\n');
    }
    Path file = Files.writeString(dir.resolve("probe.c"), probe);
    String expanded = Commands.run(List.of(gcc.toString(), "-E", "-P", file.toString()));
    Map<String, String> declared = new LinkedHashMap<>();
    for (String line : expanded.split("\n")) {
      Matcher probed = PROBE.matcher(line);
      if (probed.matches()
          && Pattern.compile("(?<![A-Za-z0-9_])" + probed.group(2) + "\\s*\\(")
              .matcher(expanded)
              .find()) {
        declared.put(probed.group(1), probed.group(2));
      }
    }
    return declared;
  }

  private static String fact(String function, String what, String value) {
    return "FACT(proto__" + function + "__" + what + ", " + value + ")\n";
  }

  private static long get(Map<String, Long> facts, String function, String what) {
    Long value = facts.get("proto__" + function + "__" + what);
    if (value == null) {
      throw new AssertionError("prototypes.cpp gave no " + what + " for " + function);
    }
    return value;
  }
}
