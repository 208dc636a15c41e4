package io.leakdetector.spi;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;

/** Creates exporters of one kind; found with {@link java.util.ServiceLoader}. */
public interface SnapshotExporterProvider {

  /** The name {@code --format} and {@code --exporter} take ({@code text}, {@code json}, …). */
  String name();

  /** One line for the help text. */
  String description();

  SnapshotExporter create(ExporterContext context) throws LeakDetectorException;
}
