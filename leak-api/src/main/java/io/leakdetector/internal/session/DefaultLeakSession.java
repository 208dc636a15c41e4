package io.leakdetector.internal.session;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.LeakSession;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.HeapEventSources;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import io.leakdetector.spi.SymbolResolvers;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The session behind {@link io.leakdetector.LeakDetector#open()}: wires a source to the engine,
 * takes periodic snapshots on its own reporting thread ({@link SnapshotAssembler}) and hands each
 * to the {@link Subscribers}, and ends once, whatever ends it.
 */
public final class DefaultLeakSession implements LeakSession {

  private enum State {
    OPEN,
    RUNNING,
    ENDED
  }

  private final SessionConfig config;
  private final HeapEventSource source;
  private final String sourceName;
  private final SymbolResolver resolver;
  private final HeapEngine engine;
  private final SnapshotAssembler snapshots;
  private final Subscribers subscribers;
  private final ScheduledExecutorService reporter;
  private final CountDownLatch terminated = new CountDownLatch(1);

  /** Serializes snapshot delivery, symbolization and the end of the session. */
  private final ReentrantLock reportLock = new ReentrantLock();

  private volatile State state = State.OPEN;
  private volatile String endReason = "";
  private volatile LeakDetectorException failure;
  private volatile int targetExitCode = -1;
  private volatile boolean targetGone;
  private long periodicReports;
  private boolean resolverClosed;
  private final DetectorThreads threads;

  private DefaultLeakSession(
      SessionConfig config,
      HeapEventSource source,
      String sourceName,
      SymbolResolver resolver,
      HeapEngine engine) {
    this.config = config;
    this.source = source;
    this.sourceName = sourceName;
    this.resolver = resolver;
    this.engine = engine;
    this.snapshots = new SnapshotAssembler(config, engine, source, sourceName, resolver);
    this.subscribers = new Subscribers(config.exporters());
    // excluded before it runs anything: its snapshots, symbols and exporters allocate
    this.threads = new DetectorThreads(source);
    this.reporter =
        Executors.newSingleThreadScheduledExecutor(
            r -> threads.newThread(r, "leakdetector-report"));
    ThreadFactory exporterThreads = r -> threads.newThread(r, "leakdetector-exporter");
    for (SnapshotExporter exporter : config.exporters()) {
      exporter.threadFactory(exporterThreads);
    }
  }

  /** Finds a source, attaches (or launches) and opens the symbol resolver. */
  public static LeakSession open(SessionConfig config) throws LeakDetectorException {
    return open(
        config,
        HeapEventSources.choose(config.sourceName()),
        SymbolResolvers.firstAvailable().orElse(null));
  }

  /** Opens with the given providers; {@code resolverProvider} may be null (addresses only). */
  static DefaultLeakSession open(
      SessionConfig config,
      HeapEventSourceProvider provider,
      SymbolResolverProvider resolverProvider)
      throws LeakDetectorException {
    HeapEventSource source =
        provider.open(
            new SourceRequest(
                SessionTarget.resolve(config, provider),
                config.includeKernelFrames(),
                config.sourceOptions()));
    SymbolResolver resolver;
    try {
      resolver =
          resolverProvider == null
              ? new AddressOnlyResolver()
              : resolverProvider.open(source.target(), config.symbolOptions());
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
    HeapEngine engine =
        new HeapEngine(
            new EngineConfig(
                config.minSize(), config.maxSize(), config.byThread(), config.threads()));
    return new DefaultLeakSession(config, source, provider.name(), resolver, engine);
  }

  @Override
  public TargetProcess target() {
    return source.target();
  }

  @Override
  public String sourceName() {
    return sourceName;
  }

  @Override
  public void subscribe(Consumer<LeakSnapshot> subscriber) {
    subscribers.add(subscriber);
  }

  @Override
  public void start() throws LeakDetectorException {
    reportLock.lock();
    try {
      if (state != State.OPEN) {
        throw new IllegalStateException("session already " + state.name().toLowerCase());
      }
      state = State.RUNNING;
    } finally {
      reportLock.unlock();
    }
    if (config.self()) {
      // on a thread of the session's, excluded before tracing is armed: what starting allocates
      // (the reader's and the reporting thread's creation) is the detector's, not the caller's
      startOnSessionThread();
    } else {
      startTracing();
    }
  }

  private void startTracing() throws LeakDetectorException {
    try {
      source.start(engine, new SourceEvents());
    } catch (LeakDetectorException | RuntimeException e) {
      end("tracing could not start", false);
      throw e;
    }
    long periodNanos = config.interval().toNanos();
    if (periodNanos > 0) {
      reporter.scheduleAtFixedRate(this::periodic, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void startOnSessionThread() throws LeakDetectorException {
    java.util.concurrent.atomic.AtomicReference<Exception> failed =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread starter =
        threads.newThread(
            () -> {
              try {
                startTracing();
              } catch (LeakDetectorException | RuntimeException e) {
                failed.set(e);
              }
            },
            "leakdetector-start");
    starter.start();
    boolean interrupted = false;
    while (true) {
      try {
        starter.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // starting is short: finish it, then keep the interrupt
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Exception e = failed.get();
    if (e instanceof LeakDetectorException lde) {
      throw lde;
    } else if (e != null) {
      throw (RuntimeException) e;
    }
  }

  @Override
  public LeakSnapshot snapshot() {
    reportLock.lock();
    try {
      return snapshots.take(false, false, "");
    } finally {
      reportLock.unlock();
    }
  }

  @Override
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void stop() {
    end("stopped", true);
  }

  @Override
  public void close() {
    stop();
    reportLock.lock();
    try {
      if (!resolverClosed) {
        resolverClosed = true;
        resolver.close();
      }
    } finally {
      reportLock.unlock();
    }
  }

  @Override
  public String endReason() {
    return endReason;
  }

  @Override
  public LeakDetectorException failure() {
    return failure;
  }

  @Override
  public int targetExitCode() {
    return targetExitCode;
  }

  private void periodic() {
    reportLock.lock();
    try {
      if (state != State.RUNNING) {
        return;
      }
      source.catchUp();
      if (!targetGone) {
        resolver.refresh();
      }
      periodicReports++;
      boolean last = config.reportCount() > 0 && periodicReports >= config.reportCount();
      subscribers.deliver(snapshots.take(true, last, last ? "report count reached" : ""));
      if (config.self()) {
        threads.excludeStartedThreads(); // what the exporters started while delivering
      }
      if (last) {
        end("report count reached", false);
      }
    } catch (RuntimeException e) {
      failure =
          new LeakDetectorException(
              Kind.SOURCE_FAILED, "Taking a report failed: " + e.getMessage(), e);
      end("report failed", false);
    } finally {
      reportLock.unlock();
    }
  }

  /**
   * Ends the session once: stops the source (so what it still held is drained into the engine),
   * delivers a final report when asked, then closes the source (which may take seconds) and the
   * exporters. The resolver stays open until {@link #close()}, so that {@link #snapshot()} still
   * names frames afterwards.
   */
  private void end(String reason, boolean finalReport) {
    reportLock.lock();
    try {
      if (state == State.ENDED) {
        return;
      }
      boolean wasRunning = state == State.RUNNING;
      state = State.ENDED;
      endReason = reason;
      source.stop();
      if (finalReport && wasRunning) {
        subscribers.deliver(snapshots.take(true, true, reason));
      }
      source.close();
      subscribers.closeExporters();
    } finally {
      reportLock.unlock();
      reporter.shutdown();
      terminated.countDown();
    }
  }

  /**
   * What the source says besides heap events (those go straight to the engine): module mappings go
   * to the resolver; the end of the stream is handed to the reporting thread, so the source never
   * blocks.
   */
  private final class SourceEvents implements StreamListener {
    @Override
    public void onModuleMapped(ModuleMapping mapping) {
      resolver.onModuleMapped(mapping);
    }

    @Override
    public void onTargetExit(int exitCode) {
      targetExitCode = exitCode;
      targetGone = true;
      submitEnd("target exited", null);
    }

    @Override
    public void onSourceFailure(String message) {
      submitEnd("tracing failed", new LeakDetectorException(Kind.SOURCE_FAILED, message));
    }

    private void submitEnd(String reason, LeakDetectorException error) {
      Runnable ending =
          () -> {
            if (error != null && failure == null) {
              failure = error;
            }
            end(reason, true);
          };
      try {
        reporter.execute(ending);
      } catch (RejectedExecutionException alreadyEnded) {
        // The session ended first; nothing is left to do.
      }
    }
  }
}
