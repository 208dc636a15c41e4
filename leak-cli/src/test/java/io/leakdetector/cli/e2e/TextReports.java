package io.leakdetector.cli.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the {@code text} exporter's reports (leak-export-text's README) strictly: a line that fits
 * no part of a report fails the test. Lines of the demo (a launched demo shares standard output)
 * and JSON documents (another exporter writing to the same stream) are skipped.
 */
final class TextReports {
  private static final Pattern TIME = Pattern.compile("\\d\\d:\\d\\d:\\d\\d");
  private static final Pattern TOTALS =
      Pattern.compile(
          "Outstanding: (\\d+) bytes in (\\d+) allocations, (\\d+) stacks;"
              + " lost events: (\\d+) \\((\\d+) this interval\\); unmatched frees: (\\d+)"
              + "(?:; \\w+ [^;]* fallback)?"
              + "(?:; inexact: (\\d+) events lost, (\\d+) allocations dropped(?:, [^;]+)?)?"
              + "(; final report(?:: (.+))?)?");
  private static final Pattern DEMO_LINE =
      Pattern.compile("demo pid \\d+: .*|round \\d+: .*|demo done|demo holding: .*");
  private static final String END_OF_STACK = "------------";

  private TextReports() {}

  /** A report's totals line, field by field. */
  record Totals(
      long outstandingBytes,
      long outstandingCount,
      long stacks,
      long lostEvents,
      long lostEventsInInterval,
      long unmatchedFrees,
      boolean isFinal,
      String endReason) {}

  /** One stack's block: the original tool's four lines and the frames, innermost first. */
  record Stack(
      long allocCount, long freeCount, long allocSize, long freeSize, List<String> frames) {
    /** The innermost frame that is a function's own (inlined frames before it skipped). */
    String innermost() {
      return frames.stream().filter(f -> !f.contains(" [inlined]")).findFirst().orElse("");
    }
  }

  /** One report: its time line, its totals line as printed and parsed, its stacks in order. */
  record Report(String time, String totalsLine, Totals totals, List<Stack> stacks) {}

  static List<Report> parse(String text) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (!line.isEmpty() && !line.startsWith("{") && !DEMO_LINE.matcher(line).matches()) {
        lines.add(line);
      }
    }
    List<Report> reports = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String time = expect(lines, i++, TIME).group();
      String totalsLine = lines.size() > i ? lines.get(i) : "";
      Matcher t = expect(lines, i++, TOTALS);
      Totals totals =
          new Totals(
              number(t, 1),
              number(t, 2),
              number(t, 3),
              number(t, 4),
              number(t, 5),
              number(t, 6),
              t.group(9) != null,
              t.group(10) == null ? "" : t.group(10));
      List<Stack> stacks = new ArrayList<>();
      while (i < lines.size() && lines.get(i).startsWith("AllocateCount: ")) {
        long allocCount = field(lines, i++, "AllocateCount");
        long freeCount = field(lines, i++, "FreeCount");
        long allocSize = field(lines, i++, "AllocateSize");
        long freeSize = field(lines, i++, "FreeSize");
        List<String> frames = new ArrayList<>();
        while (i < lines.size() && !lines.get(i).equals(END_OF_STACK)) {
          frames.add(lines.get(i++));
        }
        if (i == lines.size()) {
          throw new AssertionError("a stack block without its end line " + END_OF_STACK);
        }
        i++;
        stacks.add(new Stack(allocCount, freeCount, allocSize, freeSize, List.copyOf(frames)));
      }
      reports.add(new Report(time, totalsLine, totals, List.copyOf(stacks)));
    }
    return reports;
  }

  private static Matcher expect(List<String> lines, int i, Pattern pattern) {
    String line = i < lines.size() ? lines.get(i) : "(end of output)";
    Matcher m = pattern.matcher(line);
    if (!m.matches()) {
      throw new AssertionError(
          "report line " + (i + 1) + " is not " + pattern + ": " + line + "\nin:\n" + lines);
    }
    return m;
  }

  private static long field(List<String> lines, int i, String name) {
    return Long.parseLong(expect(lines, i, Pattern.compile(name + ": (\\d+)")).group(1));
  }

  private static long number(Matcher m, int group) {
    return Long.parseLong(m.group(group));
  }
}
