package io.leakdetector.symbols.windows;

import io.leakdetector.testkit.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which DLL each function is imported from when a program is linked against one mingw-w64 import
 * library: a program that refers to the functions is linked with {@code -l<library>} and the import
 * table of the .exe is read with {@code objdump -p} — the table the Windows loader reads. A
 * function the library does not have fails the link.
 */
final class MingwImports {
  private static final Pattern DLL = Pattern.compile("^\\s*DLL Name:\\s*(\\S+)\\s*$");
  private static final Pattern IMPORT = Pattern.compile("^\\s+[0-9a-fA-F]+\\s+\\d+\\s+(\\w+)\\s*$");

  private MingwImports() {}

  /** Function → the DLL it is imported from (lower case), linking against {@code library}. */
  static Map<String, String> dllOf(String library, Collection<String> functions) {
    Path gcc = MingwFacts.require("x86_64-w64-mingw32-gcc");
    Path objdump = MingwFacts.require("x86_64-w64-mingw32-objdump");
    try {
      Path dir =
          Files.createTempDirectory(
              Files.createDirectories(Path.of("target")), "imports-" + library);
      StringBuilder program = new StringBuilder();
      // No header: a declaration of any type links to the import by name (x64 names are plain).
      for (String function : functions) {
        program.append("extern void ").append(function).append("(void);\n");
      }
      program.append("void *volatile used[] = {").append(String.join(", ", functions));
      program.append("};\nint main(void) { return used[0] == 0; }\n");
      Path source = Files.writeString(dir.resolve("imports.c"), program);
      Path exe = dir.resolve("imports.exe");
      Commands.run(
          List.of(gcc.toString(), "-o", exe.toString(), source.toString(), "-l" + library));
      return parse(Commands.run(List.of(objdump.toString(), "-p", exe.toString())));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Function → DLL from {@code objdump -p}'s import tables. */
  static Map<String, String> parse(String objdump) {
    Map<String, String> dllOf = new HashMap<>();
    String dll = null;
    for (String line : objdump.split("\n")) {
      Matcher name = DLL.matcher(line);
      if (name.matches()) {
        dll = name.group(1).toLowerCase(Locale.ROOT);
        continue;
      }
      if (line.startsWith("The ")) {
        dll = null; // the next table of objdump's output
        continue;
      }
      Matcher imported = IMPORT.matcher(line);
      if (dll != null && imported.matches()) {
        dllOf.put(imported.group(1), dll);
      }
    }
    return dllOf;
  }
}
