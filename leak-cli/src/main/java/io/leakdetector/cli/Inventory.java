package io.leakdetector.cli;

import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.HeapEventSources;
import io.leakdetector.spi.SnapshotExporterProvider;
import io.leakdetector.spi.SnapshotExporters;
import io.leakdetector.spi.SymbolResolverProvider;
import io.leakdetector.spi.SymbolResolvers;
import java.io.PrintStream;
import java.util.List;

/** {@code --list}: the installed sources (and whether they work here), exporters and resolvers. */
final class Inventory {
  private Inventory() {}

  static void print(PrintStream out) {
    List<HeapEventSourceProvider> sources = HeapEventSources.providers();
    out.println("Sources:");
    if (sources.isEmpty()) {
      out.println("  (none installed)");
    }
    for (HeapEventSourceProvider source : sources) {
      out.println(line(source.name(), availability(source.availability())));
    }
    out.println("Exporters:");
    List<SnapshotExporterProvider> exporters = SnapshotExporters.providers();
    if (exporters.isEmpty()) {
      out.println("  (none installed)");
    }
    for (SnapshotExporterProvider exporter : exporters) {
      out.println(line(exporter.name(), exporter.description()));
    }
    out.println("Symbol resolvers:");
    List<SymbolResolverProvider> resolvers = SymbolResolvers.providers();
    if (resolvers.isEmpty()) {
      out.println("  (none installed: frames are shown as addresses)");
    }
    for (SymbolResolverProvider resolver : resolvers) {
      out.println(line(resolver.name(), availability(resolver.availability())));
    }
    out.flush();
  }

  private static String availability(Availability availability) {
    if (!availability.available()) {
      return "not available: " + availability.reason();
    }
    return availability.reason().isEmpty() ? "available" : "available: " + availability.reason();
  }

  private static String line(String name, String text) {
    return String.format("  %-12s %s", name, text);
  }
}
