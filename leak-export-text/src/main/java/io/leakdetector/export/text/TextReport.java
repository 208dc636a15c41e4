package io.leakdetector.export.text;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;

/**
 * Formats a snapshot as the original tool's console report, preceded by one line of totals:
 *
 * <pre>
 * 18:26:32
 * Outstanding: 5040 bytes in 30 allocations, 1 stacks; lost events: 0 (0 this interval); unmatched frees: 0
 * AllocateCount: 30
 * FreeCount: 0
 * AllocateSize: 5040
 * FreeSize: 0
 * ntdll.dll!NtTraceEvent+0xC
 * Demo.exe!+0x11F0D
 * ------------
 * </pre>
 *
 * <p>The time line is the snapshot's time in this formatter's zone. The totals line may end with
 * {@code ; SOURCE DESIGN} when the source runs other than its main design (e.g. {@code ; uprobes
 * per-thread fallback}), {@code ; inexact: N events lost, M allocations dropped[, K implied
 * frees][, counter V…]} when events were lost, dropped or missed (an implied free is a free that
 * was missed; each source counter that says events may be missing is named with its value), and
 * with {@code ; final report: REASON} on a session's final report; {@code ; filtered: N allocations
 * of other threads} comes before that when a thread filter left allocations out. One block follows
 * per reported stack: when the session splits stacks by thread, a first line {@code Thread: NAME};
 * then the original tool's four counters; then the frames innermost first, one a line, as {@link
 * Frame#text()} writes them: {@code module!function+0xOFF (file.c:123)} with the function demangled
 * and the source line when known; a function inlined at that point on a line of its own above the
 * function it was inlined into, {@code module!function [inlined] (file.h:45)}; {@code
 * module!+0xOFF} without a name; {@code [unknown]!0xADDR} in unknown memory; {@code [reason]} where
 * a stack ends early. Lines end with {@code \n} on every platform.
 */
public final class TextReport {

  /** The ANSI sequence that moves the cursor home and clears the screen. */
  public static final String CLEAR_SCREEN = "\033[H\033[2J";

  /** The line that ends each stack's block. */
  public static final String SEPARATOR = "------------";

  private final DateTimeFormatter timeFormat;

  /** A formatter that prints times in the system's default zone. */
  public TextReport() {
    this(ZoneId.systemDefault());
  }

  /** A formatter that prints times in {@code zone}. */
  public TextReport(ZoneId zone) {
    this.timeFormat =
        DateTimeFormatter.ofPattern("HH:mm:ss").withZone(Objects.requireNonNull(zone));
  }

  /** The whole report of {@code snapshot}. */
  public String format(LeakSnapshot snapshot) {
    StringBuilder out = new StringBuilder(256 + 128 * snapshot.stacks().size());
    appendTo(out, snapshot);
    return out.toString();
  }

  /** Appends the whole report of {@code snapshot} to {@code out}. */
  public void appendTo(StringBuilder out, LeakSnapshot snapshot) {
    timeFormat.formatTo(snapshot.time(), out);
    out.append('\n');
    appendTotalsLine(out, snapshot);
    out.append('\n');
    for (StackReport stack : snapshot.stacks()) {
      appendStack(out, stack);
    }
  }

  /** The totals line of {@code snapshot}, without its line end. */
  public static String totalsLine(LeakSnapshot snapshot) {
    StringBuilder out = new StringBuilder(160);
    appendTotalsLine(out, snapshot);
    return out.toString();
  }

  private static void appendTotalsLine(StringBuilder out, LeakSnapshot snapshot) {
    HeapTotals totals = snapshot.totals();
    EventCounts counts = snapshot.counts();
    out.append("Outstanding: ")
        .append(totals.outstandingBytes())
        .append(" bytes in ")
        .append(totals.outstandingCount())
        .append(" allocations, ")
        .append(totals.stacks())
        .append(" stacks; lost events: ")
        .append(counts.lostEvents())
        .append(" (")
        .append(counts.lostEventsInInterval())
        .append(" this interval); unmatched frees: ")
        .append(counts.unmatchedFrees());
    if (!snapshot.sourceDesign().isEmpty()) {
      out.append("; ").append(snapshot.source()).append(' ').append(snapshot.sourceDesign());
    }
    if (!counts.exact()) {
      out.append("; inexact: ")
          .append(counts.lostEvents())
          .append(" events lost, ")
          .append(counts.droppedAllocations())
          .append(" allocations dropped");
      if (counts.impliedFrees() != 0) {
        out.append(", ").append(counts.impliedFrees()).append(" implied frees");
      }
      for (Map.Entry<String, Long> cause : counts.sourceCauses().entrySet()) {
        out.append(", ").append(cause.getKey()).append(' ').append(cause.getValue());
      }
    }
    if (counts.filteredAllocations() > 0) {
      out.append("; filtered: ")
          .append(counts.filteredAllocations())
          .append(" allocations of other threads");
    }
    if (snapshot.last()) {
      out.append("; final report");
      if (!snapshot.endReason().isEmpty()) {
        out.append(": ").append(snapshot.endReason());
      }
    }
  }

  /**
   * Appends one stack's block: its thread's name when it has one, the original tool's four lines,
   * the frames, the separator.
   */
  public static void appendStack(StringBuilder out, StackReport stack) {
    if (stack.threadName() != null) {
      out.append("Thread: ").append(stack.threadName()).append('\n');
    }
    out.append("AllocateCount: ").append(stack.allocCount()).append('\n');
    out.append("FreeCount: ").append(stack.freeCount()).append('\n');
    out.append("AllocateSize: ").append(stack.allocBytes()).append('\n');
    out.append("FreeSize: ").append(stack.freeBytes()).append('\n');
    for (Frame frame : stack.frames()) {
      out.append(frame.text()).append('\n');
    }
    out.append(SEPARATOR).append('\n');
  }
}
