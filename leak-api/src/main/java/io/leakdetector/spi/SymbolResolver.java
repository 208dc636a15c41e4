package io.leakdetector.spi;

import io.leakdetector.Frame;

/**
 * Turns addresses of one process into frames. It keeps the process's module list, so that it still
 * resolves after the process exits. Only the session's snapshot thread calls it.
 */
public interface SymbolResolver extends ModuleListener, AutoCloseable {

  /** The frame at {@code address}; never {@code null}. */
  Frame resolve(long address);

  /** Re-reads the module list while the process lives; called once per interval. */
  default void refresh() {}

  @Override
  void close();
}
