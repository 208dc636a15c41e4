package io.leakdetector.spi;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The installed exporter providers, found with {@link ServiceLoader}, and exporters by name. */
public final class SnapshotExporters {
  private SnapshotExporters() {}

  /** Every exporter provider on the module path or class path, sorted by name. */
  public static List<SnapshotExporterProvider> providers() {
    return ServiceLoader.load(SnapshotExporterProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .sorted(Comparator.comparing(SnapshotExporterProvider::name))
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
