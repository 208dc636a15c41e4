package io.leakdetector.etw.win32;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/**
 * UTF-16LE text for Win32, written byte by byte: JNA's own wide strings use the host's {@code
 * wchar_t}, which is 4 bytes on Linux, so they would not lay out as Windows reads them.
 */
public final class Utf16 {
  private Utf16() {}

  /** The NUL-terminated UTF-16LE bytes of {@code text}. */
  public static byte[] bytes(String text) {
    byte[] chars = text.getBytes(StandardCharsets.UTF_16LE);
    byte[] terminated = new byte[chars.length + 2];
    System.arraycopy(chars, 0, terminated, 0, chars.length);
    return terminated;
  }

  /** Writes {@code text} NUL-terminated at {@code offset}; returns the bytes written. */
  public static int write(Pointer memory, long offset, String text) {
    byte[] bytes = bytes(text);
    memory.write(offset, bytes, 0, bytes.length);
    return bytes.length;
  }

  /** Native memory holding {@code text} NUL-terminated. */
  public static Memory allocate(String text) {
    byte[] bytes = bytes(text);
    Memory memory = new Memory(bytes.length);
    memory.write(0, bytes, 0, bytes.length);
    return memory;
  }

  /** Reads NUL-terminated UTF-16LE text at {@code offset}, at most {@code maxChars} units. */
  public static String read(Pointer memory, long offset, int maxChars) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < maxChars; i++) {
      char c = (char) memory.getShort(offset + 2L * i);
      if (c == 0) {
        break;
      }
      text.append(c);
    }
    return text.toString();
  }

  /** Decodes a NUL-terminated UTF-16LE byte array (a {@code WCHAR[]} field). */
  public static String decode(byte[] field) {
    int length = 0;
    while (length + 1 < field.length && (field[length] != 0 || field[length + 1] != 0)) {
      length += 2;
    }
    return new String(field, 0, length, StandardCharsets.UTF_16LE);
  }
}
