package io.leakdetector;

import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporter;
import io.leakdetector.spi.SnapshotExporterProvider;
import java.util.List;
import java.util.ServiceLoader;

/** Finds exporter providers with {@link ServiceLoader} and creates exporters by name. */
public final class SnapshotExporters {
  private SnapshotExporters() {}

  /** Every exporter provider on the module path or class path, sorted by name. */
  public static List<SnapshotExporterProvider> providers() {
    return ServiceLoader.load(SnapshotExporterProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .toList();
  }

  /**
   * Creates the exporter called {@code name}.
   *
   * @throws LeakDetectorException of kind {@link LeakDetectorException.Kind#USAGE} when no exporter
   *     has that name
   */
  public static SnapshotExporter create(String name, ExporterContext context)
      throws LeakDetectorException {
    List<SnapshotExporterProvider> all = providers();
    for (SnapshotExporterProvider provider : all) {
      if (provider.name().equals(name)) {
        return provider.create(context);
      }
    }
    throw new LeakDetectorException(
        LeakDetectorException.Kind.USAGE,
        "Unknown exporter '"
            + name
            + "'; available: "
            + String.join(", ", all.stream().map(SnapshotExporterProvider::name).toList())
            + ".");
  }
}
