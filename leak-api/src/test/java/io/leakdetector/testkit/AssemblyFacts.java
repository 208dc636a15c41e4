package io.leakdetector.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Facts (sizes, offsets, constants) that a C file states as initialised 8-byte globals, read back
 * from the assembly a (cross) compiler makes of it, so nothing has to run on the target platform.
 */
public final class AssemblyFacts {
  private static final Pattern DATA = Pattern.compile("^\\s+\\.(quad|long|space|zero)\\s+(-?\\d+)");

  private AssemblyFacts() {}

  /**
   * Compiles {@code source} with {@code compiler} ({@code -S -O0}, {@code includeDir} on the
   * include path) into {@code includeDir} and reads the facts of the labels {@code label} matches
   * (its group 1 is the fact's name).
   */
  public static Map<String, Long> compile(
      Path compiler, Path source, Path includeDir, Pattern label) {
    Path assembly = includeDir.resolve("facts.s");
    Commands.run(
        List.of(
            compiler.toString(),
            "-S",
            "-O0",
            "-I",
            includeDir.toString(),
            "-o",
            assembly.toString(),
            source.toAbsolutePath().toString()));
    try {
      return parse(Files.readAllLines(assembly), label);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Reads each labelled constant (8 bytes, little-endian, as {@code .quad}, two {@code .long}s or
   * zero fill) out of gcc's assembly.
   */
  public static Map<String, Long> parse(List<String> lines, Pattern label) {
    Map<String, Long> facts = new HashMap<>();
    String current = null;
    long value = 0;
    int bytes = 0;
    for (String line : lines) {
      Matcher name = label.matcher(line);
      if (name.matches()) {
        current = name.group(1);
        value = 0;
        bytes = 0;
        continue;
      }
      if (current == null) {
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
        facts.put(current, value);
        current = null;
      }
    }
    return facts;
  }
}
