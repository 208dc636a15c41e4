package io.leakdetector.symbols.linux;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names of perf map entries as their language's users write them. */
final class JitNames {
  /**
   * HotSpot (JDK 17 {@code Compiler.perfmap}): {@code RETURN_TYPE pkg.Class.method(PARAMS)}, e.g.
   * {@code void java.util.zip.Deflater.<init>(int, boolean)}; hidden classes carry {@code /0x…}.
   */
  private static final Pattern HOTSPOT_METHOD =
      Pattern.compile(
          "(?:[\\p{L}\\p{N}_$.\\[\\]/]+ )?"
              + "((?:[\\p{L}\\p{N}_$/]+\\.)+(?:[\\p{L}\\p{N}_$]+|<init>|<clinit>))\\(.*\\)");

  private JitNames() {}

  /**
   * {@code java.util.zip.Deflater.<init>} for a HotSpot method; any other name (a HotSpot stub such
   * as {@code Interpreter}, a Node.js or .NET name) as it is.
   */
  static String readable(String raw) {
    Matcher m = HOTSPOT_METHOD.matcher(raw);
    return m.matches() ? m.group(1) : raw;
  }
}
