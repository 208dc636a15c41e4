package io.leakdetector.cli.e2e;

import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Collapsed;
import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Frame;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads async-profiler's {@code collapsed} output written with {@code ann}: a line per stack, the
 * outermost frame first, {@code ;} between frames, a space and the value last. Frames with a Java
 * kind suffix ({@code _[0]}, {@code _[1]}, {@code _[j]}, {@code _[i]}) are Java methods; the
 * agent's own hooks at the innermost end are left out.
 */
final class AsyncProfilerNativememCollapsed {
  private static final Pattern LINE = Pattern.compile("(.+) (\\d+)");
  private static final Pattern JAVA_KIND = Pattern.compile("_\\[[01ji]\\]$");

  private AsyncProfilerNativememCollapsed() {}

  /** The stacks of a collapsed output, innermost frame first, most calls first. */
  static List<Collapsed> parse(String text) {
    List<Collapsed> stacks = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a collapsed stack line: " + line);
      }
      List<Frame> frames = new ArrayList<>();
      for (String part : m.group(1).split(";")) {
        frames.add(frame(part));
      }
      Collections.reverse(frames);
      while (!frames.isEmpty() && isHook(frames.get(0))) {
        frames.remove(0);
      }
      stacks.add(new Collapsed(frames, Long.parseLong(m.group(2))));
    }
    stacks.sort(
        Comparator.comparingLong(Collapsed::calls)
            .reversed()
            .thenComparing(s -> s.frames().toString()));
    return stacks;
  }

  private static Frame frame(String text) {
    Matcher kind = JAVA_KIND.matcher(text);
    if (kind.find()) {
      return Frame.java(text.substring(0, kind.start()));
    }
    return new Frame(text, false);
  }

  /** The agent's malloc_hook, calloc_hook_dummy, …: not the program's. */
  private static boolean isHook(Frame frame) {
    return !frame.java() && frame.name().matches("\\w+_hook(_dummy)?");
  }
}
