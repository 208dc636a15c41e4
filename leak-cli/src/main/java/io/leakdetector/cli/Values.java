package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Converts option values, each failure as one sentence naming the option and the value. */
final class Values {
  private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d+)?|\\.\\d+");
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(?:([kmg])(?:i?b)?|b)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION =
      Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);

  /** The longest interval or age accepted: a year is plenty and far from overflowing. */
  private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(366L * 24 * 3600);

  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  private Values() {}

  /** A process id: a whole number above 0. */
  static long pid(String option, String value) throws LeakDetectorException {
    long pid = wholeNumber(option, value, "a process id (a positive whole number)");
    if (pid <= 0) {
      throw usage(option + " needs a process id (a positive whole number), not '" + value + "'.");
    }
    return pid;
  }

  /** A whole number of at least {@code min} that fits an int. */
  static int count(String option, String value, int min, String what) throws LeakDetectorException {
    long n = wholeNumber(option, value, what);
    if (n < min || n > Integer.MAX_VALUE) {
      throw usage(option + " needs " + what + ", not '" + value + "'.");
    }
    return (int) n;
  }

  /** A whole number of at least 0. */
  static long nonNegative(String option, String value, String what) throws LeakDetectorException {
    return wholeNumber(option, value, what);
  }

  /** Seconds above 0, fractions allowed, at least a millisecond: {@code 10}, {@code 0.5}. */
  static Duration positiveSeconds(String option, String value) throws LeakDetectorException {
    String what = "a positive number of seconds (such as 10 or 0.5)";
    String trimmed = value.trim();
    if (!DECIMAL.matcher(trimmed).matches()) {
      throw usage(option + " needs " + what + ", not '" + value + "'.");
    }
    BigDecimal seconds = new BigDecimal(trimmed);
    if (seconds.compareTo(new BigDecimal("0.001")) < 0) {
      throw usage(option + " needs " + what + " of at least 0.001, not '" + value + "'.");
    }
    if (seconds.compareTo(MAX_SECONDS) > 0) {
      throw usage(option + " of '" + value + "' seconds is more than a year.");
    }
    return Duration.ofNanos(seconds.multiply(NANOS_PER_SECOND).longValue());
  }

  /** A size in bytes, with an optional suffix K, M or G (powers of 1024): {@code 4K}. */
  static long size(String option, String value) throws LeakDetectorException {
    Matcher m = SIZE.matcher(value.trim());
    if (!m.matches()) {
      throw usage(
          option + " needs a size in bytes (such as 4096, 64K, 2M or 1G), not '" + value + "'.");
    }
    int shift =
        m.group(2) == null
            ? 0
            : switch (m.group(2).toLowerCase(Locale.ROOT)) {
              case "k" -> 10;
              case "m" -> 20;
              default -> 30;
            };
    try {
      long number = Long.parseLong(m.group(1));
      if (number > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return number << shift;
    } catch (NumberFormatException e) {
      throw usage(option + " of '" + value + "' is too large.");
    }
  }

  /** A duration: a number with ms, s, m or h; a bare number is seconds. Zero allowed. */
  static Duration duration(String option, String value) throws LeakDetectorException {
    Matcher m = DURATION.matcher(value.trim());
    if (!m.matches()) {
      throw usage(option + " needs a duration such as 500ms, 30s, 5m or 1h, not '" + value + "'.");
    }
    BigDecimal number = new BigDecimal(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
    BigDecimal seconds =
        switch (unit) {
          case "ms" -> number.movePointLeft(3);
          case "m" -> number.multiply(BigDecimal.valueOf(60));
          case "h" -> number.multiply(BigDecimal.valueOf(3600));
          default -> number;
        };
    if (seconds.compareTo(MAX_SECONDS) > 0) {
      throw usage(option + " of '" + value + "' is more than a year.");
    }
    return Duration.ofNanos(seconds.multiply(NANOS_PER_SECOND).longValue());
  }

  /** {@code KEY=VALUE} with a non-empty key. */
  static Map.Entry<String, String> keyValue(String option, String value)
      throws LeakDetectorException {
    int eq = value.indexOf('=');
    if (eq <= 0 || value.substring(0, eq).isBlank()) {
      throw usage(option + " needs KEY=VALUE, not '" + value + "'.");
    }
    return Map.entry(value.substring(0, eq).trim(), value.substring(eq + 1));
  }

  static LeakDetectorException usage(String sentence) {
    return new LeakDetectorException(Kind.USAGE, sentence);
  }

  private static long wholeNumber(String option, String value, String what)
      throws LeakDetectorException {
    String trimmed = value.trim();
    if (!trimmed.matches("\\d+")) {
      throw usage(option + " needs " + what + ", not '" + value + "'.");
    }
    try {
      return Long.parseLong(trimmed);
    } catch (NumberFormatException e) {
      throw usage(option + " of '" + value + "' is too large.");
    }
  }
}
