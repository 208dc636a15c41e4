package io.leakdetector.symbols.demangle;

/**
 * Decodes the Punycode (RFC 3492) of a Rust v0 identifier: the ASCII part, then deltas written in
 * {@code a-z0-9}. The result is limited to {@link #MAX_LENGTH} code points, like {@code
 * rustc-demangle}'s; a longer or invalid one gives null (the caller shows it encoded).
 */
final class Punycode {
  static final int MAX_LENGTH = 128;

  private static final int BASE = 36;
  private static final int T_MIN = 1;
  private static final int T_MAX = 26;
  private static final int SKEW = 38;
  private static final int DAMP = 700;
  private static final int INITIAL_BIAS = 72;
  private static final int INITIAL_N = 0x80;

  private Punycode() {}

  static String decode(String ascii, String deltas) {
    int[] out = new int[MAX_LENGTH];
    int length = 0;
    for (int k = 0; k < ascii.length(); k++) {
      if (length == MAX_LENGTH) {
        return null;
      }
      out[length++] = ascii.charAt(k);
    }
    long n = INITIAL_N;
    long i = 0;
    int bias = INITIAL_BIAS;
    int at = 0;
    while (at < deltas.length()) {
      long previous = i;
      long weight = 1;
      for (int k = BASE; ; k += BASE) {
        if (at >= deltas.length()) {
          return null;
        }
        int digit = digit(deltas.charAt(at++));
        if (digit < 0) {
          return null;
        }
        i += digit * weight;
        int threshold = k <= bias ? T_MIN : Math.min(k - bias, T_MAX);
        if (digit < threshold) {
          break;
        }
        weight *= BASE - threshold;
        if (i > Integer.MAX_VALUE || weight > Integer.MAX_VALUE) {
          return null;
        }
      }
      if (length == MAX_LENGTH) {
        return null;
      }
      bias = adapt(i - previous, length + 1, previous == 0);
      n += i / (length + 1);
      i %= length + 1;
      if (n > Character.MAX_CODE_POINT || (n >= 0xD800 && n <= 0xDFFF)) {
        return null;
      }
      System.arraycopy(out, (int) i, out, (int) i + 1, length - (int) i);
      out[(int) i] = (int) n;
      length++;
      i++;
    }
    return new String(out, 0, length);
  }

  private static int digit(char c) {
    if (c >= 'a' && c <= 'z') {
      return c - 'a';
    }
    if (c >= '0' && c <= '9') {
      return 26 + c - '0';
    }
    return -1;
  }

  private static int adapt(long delta, int points, boolean first) {
    delta = first ? delta / DAMP : delta / 2;
    delta += delta / points;
    int k = 0;
    while (delta > ((BASE - T_MIN) * T_MAX) / 2) {
      delta /= BASE - T_MIN;
      k += BASE;
    }
    return (int) (k + (BASE - T_MIN + 1) * delta / (delta + SKEW));
  }
}
