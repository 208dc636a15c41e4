package io.leakdetector.spi;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The installed symbol resolver providers, found with {@link ServiceLoader}. */
public final class SymbolResolvers {
  private SymbolResolvers() {}

  /** Every resolver provider on the module path or class path, in the order ServiceLoader finds. */
  public static List<SymbolResolverProvider> providers() {
    return ServiceLoader.load(SymbolResolverProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .toList();
  }

  /** The first resolver that works here; none means frames are shown as addresses. */
  public static Optional<SymbolResolverProvider> firstAvailable() {
    return providers().stream().filter(p -> p.availability().available()).findFirst();
  }
}
