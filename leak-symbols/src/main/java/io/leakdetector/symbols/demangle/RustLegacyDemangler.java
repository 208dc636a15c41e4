package io.leakdetector.symbols.demangle;

import java.util.ArrayList;
import java.util.List;

/**
 * Rust's legacy mangling: an Itanium-style nested name {@code _ZN…E} whose last element is the hash
 * {@code 17h} + 16 lower-case hex digits, with {@code $…$} escapes and {@code ..} for {@code ::}
 * inside the elements. Printed as {@code c++filt -i} prints it: the path without the hash and
 * without any {@code .suffix} (such as {@code .llvm.123}), e.g. {@code core::fmt::write}.
 *
 * <p>A name whose last element is no such hash is not taken for Rust (it is left to the C++
 * demangler), as {@code c++filt} does. {@code $u…$} escapes of non-ASCII characters are decoded
 * like {@code rustc-demangle} does (c++filt 2.40 leaves the rest of such an element as it is).
 */
final class RustLegacyDemangler {
  private static final int HASH_LENGTH = 17; // "h" + 16 hex digits
  private static final int MIN_DISTINCT_HASH_DIGITS = 5;

  private RustLegacyDemangler() {}

  /** The demangled name, or null when {@code symbol} is not a legacy Rust symbol. */
  static String demangle(String symbol) {
    if (!symbol.startsWith("_ZN")) {
      return null;
    }
    for (int i = 3; i < symbol.length(); i++) {
      char c = symbol.charAt(i);
      boolean allowed =
          c == '_'
              || (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '$'
              || c == '.'
              || c == ':'
              || c == '@';
      if (!allowed) {
        return null;
      }
    }
    int end = endOfPath(symbol);
    if (end < 0) {
      return null;
    }
    List<String> elements = elements(symbol, 3, end);
    if (elements == null || elements.size() < 2 || !isHash(elements.get(elements.size() - 1))) {
      return null;
    }
    StringBuilder out = new StringBuilder(symbol.length());
    for (int i = 0; i < elements.size() - 1; i++) {
      if (i > 0) {
        out.append("::");
      }
      appendUnescaped(elements.get(i), out);
    }
    return out.toString();
  }

  /**
   * The index of the closing {@code E}: the last character, or the {@code E} just before a suffix
   * that begins with a dot; -1 when there is neither.
   */
  private static int endOfPath(String symbol) {
    int last = symbol.length() - 1;
    if (last >= 3 && symbol.charAt(last) == 'E') {
      return last;
    }
    for (int i = last; i > 3; i--) {
      if (symbol.charAt(i) == '.' && symbol.charAt(i - 1) == 'E') {
        return i - 1;
      }
    }
    return -1;
  }

  /** The length-prefixed elements between {@code from} and {@code end}; null if malformed. */
  private static List<String> elements(String symbol, int from, int end) {
    List<String> elements = new ArrayList<>();
    int pos = from;
    while (pos < end) {
      int length = 0;
      int digits = pos;
      while (digits < end && symbol.charAt(digits) >= '0' && symbol.charAt(digits) <= '9') {
        length = length * 10 + symbol.charAt(digits) - '0';
        digits++;
        if (length > end || (digits - pos == 1 && length == 0)) {
          return null; // too long for the symbol, or a zero length
        }
      }
      if (digits == pos || length > end - digits) {
        return null;
      }
      elements.add(symbol.substring(digits, digits + length));
      pos = digits + length;
    }
    return elements;
  }

  private static boolean isHash(String element) {
    if (element.length() != HASH_LENGTH || element.charAt(0) != 'h') {
      return false;
    }
    int seen = 0;
    for (int i = 1; i < HASH_LENGTH; i++) {
      int nibble = Character.digit(element.charAt(i), 16);
      if (nibble < 0 || Character.isUpperCase(element.charAt(i))) {
        return false;
      }
      seen |= 1 << nibble;
    }
    return Integer.bitCount(seen) >= MIN_DISTINCT_HASH_DIGITS;
  }

  private static void appendUnescaped(String element, StringBuilder out) {
    int pos = element.startsWith("_$") ? 1 : 0; // the mangler's underscore before an escape
    while (pos < element.length()) {
      char c = element.charAt(pos);
      if (c == '$') {
        int close = element.indexOf('$', pos + 1);
        String escaped = close < 0 ? null : unescape(element.substring(pos + 1, close));
        if (escaped == null) {
          out.append(element, pos, element.length()); // unknown escape: the rest as it is
          return;
        }
        out.append(escaped);
        pos = close + 1;
      } else if (c == '.') {
        boolean pair = pos + 1 < element.length() && element.charAt(pos + 1) == '.';
        out.append(pair ? "::" : ".");
        pos += pair ? 2 : 1;
      } else {
        int next = pos;
        while (next < element.length()
            && element.charAt(next) != '$'
            && element.charAt(next) != '.') {
          next++;
        }
        out.append(element, pos, next);
        pos = next;
      }
    }
  }

  private static String unescape(String code) {
    switch (code) {
      case "SP":
        return "@";
      case "BP":
        return "*";
      case "RF":
        return "&";
      case "LT":
        return "<";
      case "GT":
        return ">";
      case "LP":
        return "(";
      case "RP":
        return ")";
      case "C":
        return ",";
      default:
        break;
    }
    if (code.length() < 2 || code.length() > 7 || code.charAt(0) != 'u') {
      return null;
    }
    int value = 0;
    for (int i = 1; i < code.length(); i++) {
      char c = code.charAt(i);
      int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (digit < 0) {
        return null;
      }
      value = value * 16 + digit;
    }
    boolean control = value < 0x20 || (value >= 0x80 && value < 0xA0);
    if (control || value > Character.MAX_CODE_POINT || (value >= 0xD800 && value <= 0xDFFF)) {
      return null;
    }
    return new String(Character.toChars(value));
  }
}
