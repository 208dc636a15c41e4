package io.leakdetector.symbols.windows;

import java.util.Locale;

/**
 * The real file of a WOW64 process's 32-bit module. {@code GetModuleFileNameExW} reports a 32-bit
 * system DLL under System32, the path the 32-bit process asked for, but the file-system redirector
 * gave it SysWOW64's copy; System32 holds the 64-bit file, whose symbols do not fit the 32-bit
 * image. A module wholly below 4 GiB in a WOW64 process is a 32-bit image (the 64-bit ntdll and the
 * wow64 DLLs of that process load above 4 GiB and stay in System32).
 */
final class Wow64Paths {
  static final long FOUR_GIB = 1L << 32;

  private Wow64Paths() {}

  /**
   * @param systemRoot {@code %SystemRoot%} (e.g. {@code C:\Windows})
   */
  static String realPath(String reported, long base, long size, boolean wow64, String systemRoot) {
    if (!wow64 || base < 0 || size < 0 || base + size > FOUR_GIB) {
      return reported;
    }
    String root = trimSlash(systemRoot);
    String system32 = root + "\\System32\\";
    if (reported.length() > system32.length()
        && reported
            .substring(0, system32.length())
            .toLowerCase(Locale.ROOT)
            .equals(system32.toLowerCase(Locale.ROOT))) {
      return root + "\\SysWOW64\\" + reported.substring(system32.length());
    }
    return reported;
  }

  private static String trimSlash(String path) {
    return path.endsWith("\\") ? path.substring(0, path.length() - 1) : path;
  }
}
