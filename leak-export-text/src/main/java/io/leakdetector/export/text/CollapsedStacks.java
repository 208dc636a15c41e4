package io.leakdetector.export.text;

import io.leakdetector.Frame;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import java.util.List;

/**
 * Formats a snapshot as collapsed stacks, the input of {@code flamegraph.pl} and speedscope: one
 * line per stack, {@code outermost;…;innermost BYTES}, where BYTES is the stack's outstanding
 * bytes.
 *
 * <p>Each frame is written as {@link Frame#text()} with {@code ;} and control characters replaced
 * by {@code _}, so a frame name can never split a frame or a line. A stack with no frames is
 * written as the single frame {@value #NO_FRAMES}. Stacks with no outstanding bytes add nothing to
 * a flame graph and are left out. Lines end with {@code \n}.
 */
public final class CollapsedStacks {

  /** The frame written for a stack that has no frames. */
  public static final String NO_FRAMES = "[no frames]";

  private CollapsedStacks() {}

  /** The collapsed stacks of {@code snapshot}, one line per stack with outstanding bytes. */
  public static String format(LeakSnapshot snapshot) {
    StringBuilder out = new StringBuilder(256 * (1 + snapshot.stacks().size()));
    appendTo(out, snapshot);
    return out.toString();
  }

  /** Appends the collapsed stacks of {@code snapshot} to {@code out}. */
  public static void appendTo(StringBuilder out, LeakSnapshot snapshot) {
    for (StackReport stack : snapshot.stacks()) {
      if (stack.outstandingBytes() > 0) {
        appendLine(out, stack);
      }
    }
  }

  /** Appends one stack's line, frames outermost first, then a space and its outstanding bytes. */
  public static void appendLine(StringBuilder out, StackReport stack) {
    List<Frame> frames = stack.frames();
    if (frames.isEmpty()) {
      out.append(NO_FRAMES);
    }
    for (int i = frames.size() - 1; i >= 0; i--) {
      appendFrameName(out, frames.get(i));
      if (i > 0) {
        out.append(';');
      }
    }
    out.append(' ').append(stack.outstandingBytes()).append('\n');
  }

  /** Appends {@code frame}'s text with {@code ;} and control characters replaced by {@code _}. */
  static void appendFrameName(StringBuilder out, Frame frame) {
    String text = frame.text();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c == ';' || Character.isISOControl(c) ? '_' : c);
    }
  }
}
