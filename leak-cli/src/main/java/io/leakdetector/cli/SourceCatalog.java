package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SymbolResolverProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The source and symbol resolver providers installed, found with {@link ServiceLoader}. The session
 * chooses its source by the same rule as {@link #choose}; the command needs the provider itself
 * only to find a process by name and to list what is installed.
 */
final class SourceCatalog {
  private SourceCatalog() {}

  static List<HeapEventSourceProvider> sources() {
    return ServiceLoader.load(HeapEventSourceProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .toList();
  }

  static List<SymbolResolverProvider> resolvers() {
    return ServiceLoader.load(SymbolResolverProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .toList();
  }

  /** The source called {@code name}, or the first one available here when it is null. */
  static HeapEventSourceProvider choose(String name) throws LeakDetectorException {
    List<HeapEventSourceProvider> all = sources();
    if (name != null) {
      for (HeapEventSourceProvider provider : all) {
        if (provider.name().equals(name)) {
          if (!provider.availability().available()) {
            throw new LeakDetectorException(Kind.UNAVAILABLE, provider.availability().reason());
          }
          return provider;
        }
      }
      throw new LeakDetectorException(
          Kind.USAGE,
          "Unknown source '"
              + name
              + "'; available: "
              + (all.isEmpty()
                  ? "none"
                  : String.join(", ", all.stream().map(HeapEventSourceProvider::name).toList()))
              + ".");
    }
    if (all.isEmpty()) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE, "No heap event source is installed (no leak-uprobes or leak-etw).");
    }
    List<String> reasons = new ArrayList<>();
    for (HeapEventSourceProvider provider : all) {
      if (provider.availability().available()) {
        return provider;
      }
      reasons.add(provider.availability().reason());
    }
    throw new LeakDetectorException(Kind.UNAVAILABLE, String.join(" ", reasons));
  }
}
