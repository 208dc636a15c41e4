package io.leakdetector.internal.session;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SymbolResolverProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Chooses the source and the symbol resolver among the providers found by ServiceLoader. */
final class Providers {
  private Providers() {}

  static HeapEventSourceProvider source(String name) throws LeakDetectorException {
    List<HeapEventSourceProvider> all =
        ServiceLoader.load(HeapEventSourceProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .toList();
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
          Kind.USAGE, "Unknown source '" + name + "'; available: " + names(all) + ".");
    }
    List<String> reasons = new ArrayList<>();
    for (HeapEventSourceProvider provider : all) {
      if (provider.availability().available()) {
        return provider;
      }
      reasons.add(provider.availability().reason());
    }
    if (all.isEmpty()) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE, "No heap event source is installed (no leak-uprobes or leak-etw).");
    }
    throw new LeakDetectorException(Kind.UNAVAILABLE, String.join(" ", reasons));
  }

  /** The first resolver that works here, if any. */
  static Optional<SymbolResolverProvider> resolver() {
    return ServiceLoader.load(SymbolResolverProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.availability().available())
        .findFirst();
  }

  private static String names(List<HeapEventSourceProvider> providers) {
    return providers.isEmpty()
        ? "none"
        : String.join(", ", providers.stream().map(HeapEventSourceProvider::name).toList());
  }
}
