package io.leakdetector.etw;

import java.util.List;

/**
 * Joins arguments into one Windows command line that {@code CommandLineToArgvW} and the Microsoft C
 * runtime split back into the same arguments: an argument with a space, tab, quote or nothing in it
 * is quoted; inside quotes, a quote is escaped with a backslash, and backslashes are doubled only
 * where they precede a quote (including the closing one).
 */
final class WindowsCommandLine {
  private WindowsCommandLine() {}

  static String join(List<String> arguments) {
    StringBuilder line = new StringBuilder();
    for (String argument : arguments) {
      if (line.length() > 0) {
        line.append(' ');
      }
      append(line, argument);
    }
    return line.toString();
  }

  private static void append(StringBuilder line, String argument) {
    if (!argument.isEmpty() && argument.chars().noneMatch(c -> c == ' ' || c == '\t' || c == '"')) {
      line.append(argument);
      return;
    }
    line.append('"');
    int backslashes = 0;
    for (int i = 0; i < argument.length(); i++) {
      char c = argument.charAt(i);
      if (c == '\\') {
        backslashes++;
        continue;
      }
      if (c == '"') {
        line.append("\\".repeat(2 * backslashes + 1));
      } else {
        line.append("\\".repeat(backslashes));
      }
      backslashes = 0;
      line.append(c);
    }
    line.append("\\".repeat(2 * backslashes));
    line.append('"');
  }
}
