package io.leakdetector.export.text.internal;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.export.text.TextReport;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporterProvider;

/**
 * The {@code text} exporter: the original tool's console report. Option {@code clear=true} clears
 * the screen before each report.
 */
public final class TextExporterProvider implements SnapshotExporterProvider {

  /** The option that clears the screen before each report. */
  public static final String CLEAR = "clear";

  @Override
  public String name() {
    return "text";
  }

  @Override
  public String description() {
    return "the console report: totals, then each stack's counts and frames";
  }

  @Override
  public SnapshotExporter create(ExporterContext context) throws LeakDetectorException {
    return new TextExporter(context.out(), new TextReport(), BooleanOption.read(context, CLEAR));
  }
}
