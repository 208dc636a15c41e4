package io.leakdetector.export.otel.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * The threads the SDK of the {@code otel} exporter runs on, every one made by the factory the
 * session gave ({@link io.leakdetector.SnapshotExporter#threadFactory}), so that a session tracing
 * its own JVM drops their allocations: the periodic metric reader's, the OTLP sender's and the
 * Prometheus endpoint's. Each pool keeps its one thread until {@link #close()}, since an excluded
 * thread id stays excluded. The JDK {@code HttpClient} under the OTLP sender and the JDK HTTP
 * server under the Prometheus endpoint start threads of their own that no factory reaches; they
 * join the session's thread group, from where the session excludes them.
 */
final class ExportThreads implements AutoCloseable {
  private final ThreadFactory factory;
  private final List<ExecutorService> pools = new ArrayList<>();

  ExportThreads(ThreadFactory factory) {
    this.factory = factory;
  }

  /** Plain daemon threads, for an exporter no session has given a factory to. */
  static ThreadFactory daemonThreads() {
    return r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    };
  }

  synchronized ScheduledExecutorService reader() {
    return keep(Executors.newSingleThreadScheduledExecutor(named("leakdetector-otel-reader")));
  }

  synchronized ExecutorService sender() {
    return keep(Executors.newFixedThreadPool(1, named("leakdetector-otel-sender")));
  }

  private ThreadFactory named(String name) {
    return r -> {
      Thread t = factory.newThread(r);
      t.setName(name);
      t.setDaemon(true);
      return t;
    };
  }

  private <T extends ExecutorService> T keep(T pool) {
    pools.add(pool);
    return pool;
  }

  /** Stops every pool; called after the SDK has shut down. */
  @Override
  public synchronized void close() {
    pools.forEach(ExecutorService::shutdownNow);
    pools.clear();
  }
}
