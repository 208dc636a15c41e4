package io.leakdetector.spi;

import io.leakdetector.LeakSnapshot;

/**
 * Receives every snapshot of a session, in order, on one thread. An exporter must not block for
 * long and must not throw for a transient failure (an unreachable endpoint): it reports and goes
 * on.
 */
public interface SnapshotExporter extends AutoCloseable {

  void export(LeakSnapshot snapshot);

  /** Flushes and releases what the exporter holds. */
  @Override
  default void close() {}
}
