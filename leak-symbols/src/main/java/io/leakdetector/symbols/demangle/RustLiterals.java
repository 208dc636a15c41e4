package io.leakdetector.symbols.demangle;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Character and string constants of Rust symbols, quoted and escaped for reading. */
final class RustLiterals {
  private RustLiterals() {}

  /**
   * A {@code char} constant as {@code c++filt} prints it: tab, return and newline escaped, the
   * ASCII characters from {@code !} to <code>}</code> as they are, every other code point (any
   * 32-bit value the symbol holds) as {@code \\u{hex}}.
   */
  static String charLiteral(long codePoint) {
    String body;
    if (codePoint == '\t') {
      body = "\\t";
    } else if (codePoint == '\r') {
      body = "\\r";
    } else if (codePoint == '\n') {
      body = "\\n";
    } else if (codePoint >= '!' && codePoint <= '}') {
      body = String.valueOf((char) codePoint);
    } else {
      body = "\\u{" + Long.toHexString(codePoint) + "}";
    }
    return "'" + body + "'";
  }

  /**
   * A string constant (UTF-8 bytes) in double quotes, escaped like Rust's {@code escape_debug}
   * (which {@code rustc-demangle} uses; {@code c++filt} 2.40 shows no string constants): {@code \\0
   * \\t \\r \\n \\\\ \\"} and {@code \\u{hex}} for what is not printable; null when the bytes are
   * not UTF-8.
   */
  static String stringLiteral(byte[] utf8) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    text.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case 0 -> out.append("\\0");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                default -> {
                  if (printable(c)) {
                    out.appendCodePoint(c);
                  } else {
                    out.append("\\u{").append(Integer.toHexString(c)).append('}');
                  }
                }
              }
            });
    return out.append('"').toString();
  }

  /** Close to Rust's notion: not a control, format, separator (but space) or unassigned. */
  private static boolean printable(int c) {
    return switch (Character.getType(c)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.UNASSIGNED,
          Character.SURROGATE,
          Character.PRIVATE_USE,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK ->
          false;
      case Character.SPACE_SEPARATOR -> c == ' ';
      default -> true;
    };
  }
}
