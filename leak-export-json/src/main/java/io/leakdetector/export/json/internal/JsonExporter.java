package io.leakdetector.export.json.internal;

import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.export.json.JsonReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/**
 * Writes each snapshot as one line of UTF-8 JSON, whatever the stream's own charset, and flushes
 * it. The document is built in a buffer first so a line is written whole.
 */
final class JsonExporter implements SnapshotExporter {
  private final PrintStream out;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(4096);

  JsonExporter(PrintStream out) {
    this.out = out;
  }

  @Override
  public void export(LeakSnapshot snapshot) {
    line.reset();
    JsonReport.write(snapshot, line);
    line.write('\n');
    out.write(line.toByteArray(), 0, line.size());
    out.flush();
  }

  /** Flushes the stream; the stream belongs to whoever created the context and stays open. */
  @Override
  public void close() {
    out.flush();
  }
}
