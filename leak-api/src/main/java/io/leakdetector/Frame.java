package io.leakdetector;

import java.util.Locale;

/**
 * One resolved frame of a call stack.
 *
 * @param address the return address (or instruction pointer) in the target
 * @param module the module's file name ({@code libc.so.6}, {@code ntdll.dll}), or {@code null} when
 *     the address lies in no known module
 * @param symbol the function's name, or {@code null} when the module has no symbol for it
 * @param offset the offset from the symbol when there is one, else from the module's base
 * @param kernel whether the address is a kernel address
 */
public record Frame(long address, String module, String symbol, long offset, boolean kernel) {

  /** A frame that lies in no known module. */
  public static Frame unknown(long address, boolean kernel) {
    return new Frame(address, null, null, 0, kernel);
  }

  /**
   * The frame as the original tool printed it: {@code module!symbol+0xOFF}, {@code module!+0xOFF}
   * for a module without symbols, {@code [unknown]!0xADDR} for unknown memory.
   */
  public String text() {
    if (module == null) {
      return "[unknown]!0x" + hex(address);
    }
    return module + "!" + (symbol == null ? "" : symbol) + "+0x" + hex(offset);
  }

  private static String hex(long value) {
    return Long.toHexString(value).toUpperCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return text();
  }
}
