/**
 * The console report (the original tool's format, plus one line of totals) and collapsed stacks for
 * flame graphs. {@link io.leakdetector.export.text.TextReport} and {@link
 * io.leakdetector.export.text.CollapsedStacks} format a snapshot without ServiceLoader; the
 * exporters {@code text} and {@code collapsed} are found by {@link java.util.ServiceLoader}.
 */
module io.leakdetector.export.text {
  requires transitive io.leakdetector.api; // its exported classes take LeakSnapshot

  exports io.leakdetector.export.text;

  provides io.leakdetector.spi.SnapshotExporterProvider with
      io.leakdetector.export.text.internal.TextExporterProvider,
      io.leakdetector.export.text.internal.CollapsedExporterProvider;
}
