package io.leakdetector.symbols.windows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The symbol search path: the target's own directory (where a locally built program keeps its PDB),
 * then {@code _NT_SYMBOL_PATH} (and {@code _NT_ALTERNATE_SYMBOL_PATH}) when set, else a local cache
 * in front of Microsoft's symbol server ({@code srv*CACHE*URL}, the leftmost store being the local
 * one).
 */
final class SymbolPath {
  static final String MICROSOFT = "https://msdl.microsoft.com/download/symbols";

  private SymbolPath() {}

  static String build(Map<String, String> env, String targetDirectory) {
    List<String> parts = new ArrayList<>();
    if (targetDirectory != null && !targetDirectory.isEmpty()) {
      parts.add(targetDirectory);
    }
    String configured = env.get("_NT_SYMBOL_PATH");
    if (configured != null && !configured.isBlank()) {
      parts.add(configured);
      String alternate = env.get("_NT_ALTERNATE_SYMBOL_PATH");
      if (alternate != null && !alternate.isBlank()) {
        parts.add(alternate);
      }
    } else {
      parts.add("srv*" + cacheDirectory(env) + "*" + MICROSOFT);
    }
    return String.join(";", parts);
  }

  /** %LOCALAPPDATA%\LeakDetector\symbols, else under %TEMP%. */
  static String cacheDirectory(Map<String, String> env) {
    String base = env.get("LOCALAPPDATA");
    if (base == null || base.isBlank()) {
      base = env.getOrDefault("TEMP", "C:\\Windows\\Temp");
    }
    return base + "\\LeakDetector\\symbols";
  }
}
