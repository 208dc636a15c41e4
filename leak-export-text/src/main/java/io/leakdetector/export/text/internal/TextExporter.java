package io.leakdetector.export.text.internal;

import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.export.text.TextReport;
import java.io.PrintStream;

/** Prints each snapshot's text report to a stream and flushes it. */
final class TextExporter implements SnapshotExporter {
  private final PrintStream out;
  private final TextReport report;
  private final boolean clearScreen;

  TextExporter(PrintStream out, TextReport report, boolean clearScreen) {
    this.out = out;
    this.report = report;
    this.clearScreen = clearScreen;
  }

  @Override
  public void export(LeakSnapshot snapshot) {
    StringBuilder text = new StringBuilder(256 + 128 * snapshot.stacks().size());
    if (clearScreen) {
      text.append(TextReport.CLEAR_SCREEN);
    }
    report.appendTo(text, snapshot);
    out.print(text);
    out.flush();
  }

  /** Flushes the stream; the stream belongs to whoever created the context and stays open. */
  @Override
  public void close() {
    out.flush();
  }
}
