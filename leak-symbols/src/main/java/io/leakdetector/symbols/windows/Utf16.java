package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;

/**
 * Reads a NUL-terminated {@code WCHAR} string. Not JNA's {@code getWideString}: its {@code wchar_t}
 * is 4 bytes off Windows, where the tests run.
 */
final class Utf16 {
  /** Longer strings are cut (a path never is: Windows paths end at 32767). */
  static final int MAX_CHARS = 32768;

  private Utf16() {}

  /** The string at {@code text}, or null for a null pointer. */
  static String read(Pointer text) {
    if (text == null) {
      return null;
    }
    StringBuilder chars = new StringBuilder(64);
    for (int i = 0; i < MAX_CHARS; i++) {
      char c = (char) text.getShort(2L * i);
      if (c == 0) {
        break;
      }
      chars.append(c);
    }
    return chars.toString();
  }
}
