package io.leakdetector;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One resolved frame of a call stack. An address whose code was inlined into its caller resolves to
 * several frames with the same address: the inlined functions first (innermost first, {@code
 * inlined} set), then the function that holds the code.
 *
 * @param address the return address (or instruction pointer) in the target
 * @param module the module's file name ({@code libc.so.6}, {@code ntdll.dll}), or {@code null} when
 *     the address lies in no known module
 * @param symbol the symbol as the module names it (mangled for C++ and Rust), or {@code null} when
 *     the module has no symbol for it
 * @param offset the offset from the symbol when there is one, else from the module's base
 * @param kernel whether the address is a kernel address
 * @param function the function's name as a reader writes it (demangled), or {@code null} when
 *     unknown; for an inlined frame the inlined function
 * @param file the source file of the frame's line, or {@code null} when the module has no line
 *     information for it
 * @param line the source line (for a caller frame, of the call), or 0 when unknown
 * @param inlined whether this frame's function was inlined into the next frame's
 */
public record Frame(
    long address,
    String module,
    String symbol,
    long offset,
    boolean kernel,
    String function,
    String file,
    int line,
    boolean inlined) {

  /** The module of code a runtime compiled at run time and named in its perf map (JIT code). */
  public static final String JIT_MODULE = "[jit]";

  /** The module of a JVM frame run by HotSpot's bytecode interpreter, named by its method. */
  public static final String INTERPRETED_MODULE = "[interpreted]";

  private static final Pattern JAVA_METHOD =
      // hidden classes and lambdas: Leaky$$Lambda$14/0x0000000800c01234.run
      Pattern.compile(
          "[\\p{L}\\p{N}_$/]+(\\.[\\p{L}\\p{N}_$/]+)*\\.(<init>|<clinit>|[\\p{L}\\p{N}_$]+)");

  /** A frame without source information; its function is its symbol. */
  public Frame(long address, String module, String symbol, long offset, boolean kernel) {
    this(address, module, symbol, offset, kernel, symbol, null, 0, false);
  }

  /** A frame that lies in no known module. */
  public static Frame unknown(long address, boolean kernel) {
    return new Frame(address, null, null, 0, kernel);
  }

  /** The frame that ends a stack early, for {@code reason}. */
  public static Frame end(StackEnd reason) {
    return new Frame(reason.address(), null, null, 0, false, null, null, 0, false);
  }

  /** Why the stack ends here, when this frame is such a marker. */
  public Optional<StackEnd> stackEnd() {
    return module == null && symbol == null ? StackEnd.of(address) : Optional.empty();
  }

  /**
   * Whether this frame is a Java method's: run by the interpreter, or compiled code whose perf map
   * name is a qualified method name ({@code java.util.zip.Deflater.init}; the JVM's stubs, such as
   * {@code Interpreter} or {@code StubRoutines (1)}, are not).
   */
  public boolean javaMethod() {
    return (INTERPRETED_MODULE.equals(module) || JIT_MODULE.equals(module))
        && function != null
        && JAVA_METHOD.matcher(function).matches();
  }

  /** This frame with source information added. */
  public Frame withSource(String function, String file, int line) {
    return new Frame(address, module, symbol, offset, kernel, function, file, line, inlined);
  }

  /**
   * The frame as the original tool printed it, with the function demangled and the source line when
   * known: {@code module!function+0xOFF (file.c:123)}; {@code module!+0xOFF} for a module without
   * symbols; {@code [unknown]!0xADDR} for unknown memory; an inlined frame {@code module!function
   * [inlined] (file.c:45)}; a stack's early end {@code [reason]}.
   */
  public String text() {
    Optional<StackEnd> end = stackEnd();
    if (end.isPresent()) {
      return "[" + end.get().description() + "]";
    }
    if (module == null) {
      return "[unknown]!0x" + hex(address);
    }
    // an inlined frame's symbol is that of the code it lies in, not the inlined function's name
    String name = function != null ? function : inlined || symbol == null ? "" : symbol;
    StringBuilder text = new StringBuilder(module).append('!').append(name);
    if (inlined) {
      text.append(" [inlined]");
    } else {
      text.append("+0x").append(hex(offset));
    }
    if (file != null) {
      text.append(" (").append(file);
      if (line > 0) {
        text.append(':').append(line);
      }
      text.append(')');
    }
    return text.toString();
  }

  private static String hex(long value) {
    return Long.toHexString(value).toUpperCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return text();
  }
}
