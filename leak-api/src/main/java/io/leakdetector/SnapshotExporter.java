package io.leakdetector;

/**
 * Receives every snapshot of a session, in order, on one thread: given to {@link
 * LeakDetector.Builder#exporter}, or made by a {@link io.leakdetector.spi.SnapshotExporterProvider}
 * found by name. An exporter must not block for long and must not throw for a transient failure (an
 * unreachable endpoint): it reports and goes on.
 */
public interface SnapshotExporter extends AutoCloseable {

  void export(LeakSnapshot snapshot);

  /** Flushes and releases what the exporter holds. */
  @Override
  default void close() {}
}
