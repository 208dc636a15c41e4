package io.leakdetector;

import java.util.concurrent.ThreadFactory;

/**
 * Receives every snapshot of a session, in order, on one thread: given to {@link
 * LeakDetector.Builder#exporter}, or made by a {@link io.leakdetector.spi.SnapshotExporterProvider}
 * found by name. An exporter must not block for long and must not throw for a transient failure (an
 * unreachable endpoint): it reports and goes on.
 */
public interface SnapshotExporter extends AutoCloseable {

  void export(LeakSnapshot snapshot);

  /**
   * Called by the session once, before the first snapshot, with the factory every thread the
   * exporter starts for itself must come from (an SDK's export threads, say): when the session
   * traces the JVM it runs in ({@link LeakDetector.Builder#self()}), the events of those threads
   * are dropped like those of the session's own, so that the exporter's allocations neither show in
   * the reports nor feed back. The threads should live until the exporter is closed (a thread id
   * the kernel reuses stays excluded). By default it is ignored.
   */
  default void threadFactory(ThreadFactory threads) {}

  /** Flushes and releases what the exporter holds. */
  @Override
  default void close() {}
}
