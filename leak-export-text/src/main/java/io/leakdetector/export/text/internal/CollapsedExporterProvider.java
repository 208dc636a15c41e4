package io.leakdetector.export.text.internal;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporterProvider;

/**
 * The {@code collapsed} exporter: collapsed stacks for flame graphs. By default it writes one
 * block, of the session's final snapshot (or, if the session closes without one, of the last
 * snapshot it got); option {@code collapsed.every=true} writes a block for every snapshot, followed
 * by an empty line.
 */
public final class CollapsedExporterProvider implements SnapshotExporterProvider {

  /** The option that writes every snapshot instead of only the final one. */
  public static final String EVERY = "collapsed.every";

  @Override
  public String name() {
    return "collapsed";
  }

  @Override
  public String description() {
    return "collapsed stacks of outstanding bytes for flamegraph.pl and speedscope";
  }

  @Override
  public SnapshotExporter create(ExporterContext context) throws LeakDetectorException {
    return new CollapsedExporter(context.out(), BooleanOption.read(context, EVERY));
  }
}
