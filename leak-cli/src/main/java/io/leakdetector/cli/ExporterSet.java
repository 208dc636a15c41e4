package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporters;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Creates the exporters of a run by name: the {@code --format} one first, then the others. */
final class ExporterSet {
  private ExporterSet() {}

  /**
   * Creates every exporter: the {@code --format} one writes to {@code formatOut} (standard output
   * or the {@code --output} file), the other ones to {@code out} (standard output), so that an
   * output file holds one format only. A failure to close one after another failed goes to {@code
   * err}.
   *
   * @throws LeakDetectorException when one cannot be created; those already created are closed
   */
  static List<SnapshotExporter> create(
      String format,
      List<String> others,
      PrintStream formatOut,
      PrintStream out,
      PrintStream err,
      Map<String, String> options)
      throws LeakDetectorException {
    List<SnapshotExporter> created = new ArrayList<>();
    try {
      created.add(SnapshotExporters.create(format, new ExporterContext(formatOut, options)));
      ExporterContext othersContext = new ExporterContext(out, options);
      for (String name : others) {
        created.add(SnapshotExporters.create(name, othersContext));
      }
      return created;
    } catch (LeakDetectorException | RuntimeException e) {
      closeAll(created, err);
      throw e;
    }
  }

  /** Closes each exporter; a failure to close one is reported on {@code err}, the rest closed. */
  static void closeAll(List<SnapshotExporter> exporters, PrintStream err) {
    for (SnapshotExporter exporter : exporters) {
      try {
        exporter.close();
      } catch (RuntimeException e) {
        err.println(Cli.PREFIX + "closing an exporter failed: " + e.getMessage());
      }
    }
  }
}
