package io.leakdetector.spi;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The installed heap event source providers, found with {@link ServiceLoader}, and the rule that
 * chooses one: the session and the command line both use it.
 */
public final class HeapEventSources {
  private HeapEventSources() {}

  /** Every source provider on the module path or class path, in the order ServiceLoader finds. */
  public static List<HeapEventSourceProvider> providers() {
    return ServiceLoader.load(HeapEventSourceProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .toList();
  }

  /**
   * The source called {@code name}, or, when {@code name} is null, the first one available here.
   *
   * @throws LeakDetectorException of kind {@link Kind#USAGE} for an unknown name, {@link
   *     Kind#UNAVAILABLE} when the source (or, without a name, every source) cannot trace here; the
   *     message is the providers' own reasons
   */
  public static HeapEventSourceProvider choose(String name) throws LeakDetectorException {
    return choose(name, providers());
  }

  static HeapEventSourceProvider choose(String name, List<HeapEventSourceProvider> all)
      throws LeakDetectorException {
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

  private static String names(List<HeapEventSourceProvider> providers) {
    return providers.isEmpty()
        ? "none"
        : String.join(", ", providers.stream().map(HeapEventSourceProvider::name).toList());
  }
}
