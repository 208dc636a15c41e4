package io.leakdetector.export.text.internal;

import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.export.text.CollapsedStacks;
import java.io.PrintStream;

/**
 * Writes collapsed stacks. flamegraph.pl sums lines of equal stacks, so several snapshots in one
 * file would add up; by default only the final snapshot is written.
 */
final class CollapsedExporter implements SnapshotExporter {
  private final PrintStream out;
  private final boolean every;
  private LeakSnapshot pending;

  CollapsedExporter(PrintStream out, boolean every) {
    this.out = out;
    this.every = every;
  }

  @Override
  public void export(LeakSnapshot snapshot) {
    if (every) {
      write(snapshot, "\n");
    } else if (snapshot.last()) {
      pending = null;
      write(snapshot, "");
    } else {
      pending = snapshot;
    }
  }

  /** Writes the last snapshot received when no final one came, then flushes. */
  @Override
  public void close() {
    if (pending != null) {
      LeakSnapshot snapshot = pending;
      pending = null;
      write(snapshot, "");
    }
    out.flush();
  }

  private void write(LeakSnapshot snapshot, String trailer) {
    StringBuilder text = new StringBuilder(256 * (1 + snapshot.stacks().size()));
    CollapsedStacks.appendTo(text, snapshot);
    text.append(trailer);
    out.print(text);
    out.flush();
  }
}
