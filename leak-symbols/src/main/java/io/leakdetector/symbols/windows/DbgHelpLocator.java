package io.leakdetector.symbols.windows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Chooses the dbghelp.dll to load, by full path. symsrv.dll (symbol-server downloads) is only used
 * when it sits beside the dbghelp.dll that is loaded, and System32's copy has none in a default
 * install, so a copy from Debugging Tools for Windows (Windows SDK) is preferred: {@code
 * LEAKDETECTOR_DBGHELP} if set, else the first SDK debugger directory holding both DLLs, else
 * System32's dbghelp.dll.
 */
final class DbgHelpLocator {
  static final String OVERRIDE = "LEAKDETECTOR_DBGHELP";

  /**
   * The chosen DLL.
   *
   * @param dll its full path
   * @param symsrv whether symsrv.dll is beside it
   */
  record Choice(String dll, boolean symsrv) {
    /** One line for the user: which dbghelp.dll, and whether symbol servers work. */
    String describe() {
      return symsrv
          ? "dbghelp: using " + dll + " (symsrv.dll beside it: symbol servers are used)"
          : "dbghelp: using "
              + dll
              + " (no symsrv.dll beside it: local symbols and exports only; install Debugging"
              + " Tools for Windows for Microsoft's symbol server)";
    }
  }

  private DbgHelpLocator() {}

  /** The choice, or null when no dbghelp.dll exists. */
  static Choice choose(Map<String, String> env, Predicate<String> isFile) {
    String override = env.get(OVERRIDE);
    if (override != null && !override.isBlank() && isFile.test(override)) {
      return new Choice(override, isFile.test(sibling(override, "symsrv.dll")));
    }
    for (String dir : sdkDirectories(env)) {
      String dll = dir + "\\dbghelp.dll";
      if (isFile.test(dll) && isFile.test(dir + "\\symsrv.dll")) {
        return new Choice(dll, true);
      }
    }
    String system = env.getOrDefault("SystemRoot", "C:\\Windows") + "\\System32\\dbghelp.dll";
    if (isFile.test(system)) {
      return new Choice(system, isFile.test(sibling(system, "symsrv.dll")));
    }
    return null;
  }

  /** Where Debugging Tools for Windows install their x64 debuggers. */
  static List<String> sdkDirectories(Map<String, String> env) {
    List<String> roots = new ArrayList<>();
    for (String variable : List.of("ProgramFiles(x86)", "ProgramFiles")) {
      String root = env.get(variable);
      if (root != null && !roots.contains(root)) {
        roots.add(root);
      }
    }
    List<String> dirs = new ArrayList<>();
    for (String root : roots) {
      dirs.add(root + "\\Windows Kits\\10\\Debuggers\\x64");
      dirs.add(root + "\\Windows Kits\\8.1\\Debuggers\\x64");
      dirs.add(root + "\\Debugging Tools for Windows (x64)");
    }
    return dirs;
  }

  private static String sibling(String path, String name) {
    int cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
    return path.substring(0, cut + 1) + name;
  }
}
