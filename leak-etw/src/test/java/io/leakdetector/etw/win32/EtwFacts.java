package io.leakdetector.etw.win32;

import java.util.LinkedHashMap;
import java.util.Map;

/** etw_layout.c compiled for x64 and for x86, with the constants of the Java classes. */
public final class EtwFacts {
  /** Constants whose value must equal the mingw-w64 headers'. */
  static final Class<?>[] HEADER_CONSTANTS = {EventTracing.class, WinError.class};

  /** Constants mingw-w64 lacks (values from the reference, sources in NtWmi's comments). */
  static final Class<?>[] REFERENCE_CONSTANTS = {NtWmi.class};

  private EtwFacts() {}

  static Map<String, Number> allConstants() {
    Map<String, Number> all = new LinkedHashMap<>(WinConstantsHeader.constants(HEADER_CONSTANTS));
    all.putAll(WinConstantsHeader.constants(REFERENCE_CONSTANTS));
    return all;
  }

  private static Map<String, String> generated() {
    return Map.of("etw_constants.h", WinConstantsHeader.header(allConstants().keySet()));
  }

  /** Facts from x86_64-w64-mingw32-gcc (the layouts the 64-bit consumer uses). */
  public static Map<String, Long> x64() {
    return Mingw.facts(Mingw.GCC_64, Mingw.LAYOUT_SOURCE, generated());
  }

  /** Facts from i686-w64-mingw32-gcc (the payload layouts a 32-bit process logs). */
  public static Map<String, Long> x86() {
    return Mingw.facts(Mingw.GCC_32, Mingw.LAYOUT_SOURCE, generated());
  }

  /** The fact, failing clearly when the C file does not define it. */
  public static long get(Map<String, Long> facts, String name) {
    Long value = facts.get(name);
    if (value == null) {
      throw new AssertionError("etw_layout.c defines no " + name);
    }
    return value;
  }
}
