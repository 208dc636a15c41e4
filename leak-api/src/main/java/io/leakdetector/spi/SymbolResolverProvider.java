package io.leakdetector.spi;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;

/** Creates symbol resolvers of one kind; found with {@link java.util.ServiceLoader}. */
public interface SymbolResolverProvider {

  /** The resolver's name ({@code elf}, {@code dbghelp}). */
  String name();

  /** Whether it can resolve on this machine, and if not why. */
  Availability availability();

  /**
   * Opens a resolver for a process and captures its module list now, while it lives.
   *
   * @param options kernel frames or not, network lookups of debug files or not
   */
  SymbolResolver open(TargetProcess target, SymbolOptions options) throws LeakDetectorException;
}
