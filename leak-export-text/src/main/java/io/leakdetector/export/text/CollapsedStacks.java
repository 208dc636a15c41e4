package io.leakdetector.export.text;

import io.leakdetector.Frame;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import java.util.List;
import java.util.Locale;

/**
 * Formats a snapshot as collapsed stacks, the input of {@code flamegraph.pl} and speedscope: one
 * line per stack, {@code outermost;…;innermost BYTES}, where BYTES is the stack's outstanding
 * bytes.
 *
 * <p>A flame graph merges equal frames of equal prefixes into one box, so a frame is written as its
 * function, without the offset or source line that tell call sites apart: {@code module!function}
 * with the function demangled ({@code parser!Parser::add_token(int)}); an inlined frame {@code
 * module!function [inlined]}, one frame of its own like every other; {@code module!+0xOFF} for a
 * module without a name there; {@code [unknown]!0xADDR} for unknown memory; the marker of a stack
 * that ends early {@code [reason]}, as {@link Frame#text()} writes it. Then {@code ;} and control
 * characters are replaced by {@code _}, so a name can never split a frame or a line; spaces stay
 * (both tools take the last space-separated number as the value). A stack with no frames is written
 * as the single frame {@value #NO_FRAMES}. Stacks with no outstanding bytes add nothing to a flame
 * graph and are left out. Lines end with {@code \n}.
 *
 * <p>When the session splits stacks by thread, each line starts with the thread's name as its root
 * frame, {@code [NAME]} (as async-profiler's {@code threads} option does), so that a flame graph
 * has one tower per thread name.
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
    if (stack.threadName() != null) {
      appendSafe(out, "[" + stack.threadName() + "]");
      out.append(';');
    }
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

  /** Appends {@code frame}'s name (see the class comment). */
  static void appendFrameName(StringBuilder out, Frame frame) {
    appendSafe(out, frameName(frame));
  }

  /** Appends {@code name} with {@code ;} and control characters replaced by {@code _}. */
  private static void appendSafe(StringBuilder out, String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      out.append(c == ';' || Character.isISOControl(c) ? '_' : c);
    }
  }

  /** The name of {@code frame} in a collapsed stack, before any character is replaced. */
  public static String frameName(Frame frame) {
    if (frame.module() == null) {
      return frame.text(); // unknown memory or the marker of an early end
    }
    String function = frame.function() != null ? frame.function() : frame.symbol();
    if (function == null || function.isEmpty()) {
      return frame.module() + "!+0x" + Long.toHexString(frame.offset()).toUpperCase(Locale.ROOT);
    }
    String name = frame.module() + "!" + function;
    return frame.inlined() ? name + " [inlined]" : name;
  }
}
