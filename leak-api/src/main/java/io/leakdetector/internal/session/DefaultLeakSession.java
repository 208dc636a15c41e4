package io.leakdetector.internal.session;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetector;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.LeakSession;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.internal.engine.RawStack;
import io.leakdetector.internal.engine.SnapshotQuery;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SnapshotExporter;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import io.leakdetector.spi.TargetSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The session behind {@link LeakDetector#open()}: wires a source to the engine, takes periodic
 * snapshots on its own reporting thread, symbolizes only the stacks it reports and hands each
 * snapshot to the subscribers and exporters.
 */
public final class DefaultLeakSession implements LeakSession {

  private enum State {
    OPEN,
    RUNNING,
    ENDED
  }

  private final LeakDetector config;
  private final HeapEventSource source;
  private final String sourceName;
  private final SymbolResolver resolver;
  private final HeapEngine engine;
  private final List<Consumer<LeakSnapshot>> subscribers = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService reporter;
  private final AtomicLong sequence = new AtomicLong();
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

  private DefaultLeakSession(
      LeakDetector config,
      HeapEventSource source,
      String sourceName,
      SymbolResolver resolver,
      HeapEngine engine) {
    this.config = config;
    this.source = source;
    this.sourceName = sourceName;
    this.resolver = resolver;
    this.engine = engine;
    this.reporter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "leakdetector-report");
              t.setDaemon(true);
              return t;
            });
    for (SnapshotExporter exporter : config.exporters()) {
      subscribers.add(exporter::export);
    }
  }

  /** Finds a source, attaches (or launches) and opens the symbol resolver. */
  public static LeakSession open(LeakDetector config) throws LeakDetectorException {
    return open(config, Providers.source(config.sourceName()), Providers.resolver().orElse(null));
  }

  /** Opens with the given providers; {@code resolverProvider} may be null (addresses only). */
  static DefaultLeakSession open(
      LeakDetector config,
      HeapEventSourceProvider provider,
      SymbolResolverProvider resolverProvider)
      throws LeakDetectorException {
    TargetSpec target = target(config, provider);
    HeapEventSource source =
        provider.open(
            new SourceRequest(target, config.includeKernelFrames(), config.sourceOptions()));
    SymbolResolver resolver;
    try {
      resolver =
          resolverProvider == null
              ? new AddressOnlyResolver()
              : resolverProvider.open(source.target(), config.includeKernelFrames());
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
    HeapEngine engine = new HeapEngine(new EngineConfig(config.minSize(), config.maxSize()));
    return new DefaultLeakSession(config, source, provider.name(), resolver, engine);
  }

  private static TargetSpec target(LeakDetector config, HeapEventSourceProvider provider)
      throws LeakDetectorException {
    if (!config.command().isEmpty()) {
      return new TargetSpec.Launch(config.command());
    }
    if (config.processName() != null) {
      List<TargetProcess> found = provider.findProcesses(config.processName());
      if (found.isEmpty()) {
        throw new LeakDetectorException(
            Kind.NO_SUCH_PROCESS, "No running process is named '" + config.processName() + "'.");
      }
      if (found.size() > 1) {
        StringBuilder list = new StringBuilder();
        for (TargetProcess p : found) {
          list.append(list.isEmpty() ? "" : ", ").append(p.pid());
        }
        throw new LeakDetectorException(
            Kind.NO_SUCH_PROCESS,
            found.size()
                + " processes are named '"
                + config.processName()
                + "' (pids "
                + list
                + "); choose one with -p.");
      }
      return new TargetSpec.Pid(found.get(0).pid());
    }
    if (ProcessHandle.of(config.pid()).isEmpty()) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "No process with pid " + config.pid() + " is running.");
    }
    return new TargetSpec.Pid(config.pid());
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
    SessionSink sink = new SessionSink(engine, new EndOfStream());
    try {
      source.start(sink, resolver);
    } catch (LeakDetectorException | RuntimeException e) {
      end("tracing could not start", false);
      throw e;
    }
    long periodNanos = config.interval().toNanos();
    if (periodNanos > 0) {
      reporter.scheduleAtFixedRate(this::periodic, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public LeakSnapshot snapshot() {
    reportLock.lock();
    try {
      return take(false, false, "");
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
      source.poll();
      if (!targetGone) {
        resolver.refresh();
      }
      periodicReports++;
      boolean last = config.reportCount() > 0 && periodicReports >= config.reportCount();
      deliver(take(true, last, last ? "report count reached" : ""));
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
        deliver(take(true, true, reason));
      }
      source.close();
      for (SnapshotExporter exporter : config.exporters()) {
        try {
          exporter.close();
        } catch (RuntimeException e) {
          System.err.println("leakdetector: closing an exporter failed: " + e);
        }
      }
    } finally {
      reportLock.unlock();
      reporter.shutdown();
      terminated.countDown();
    }
  }

  private LeakSnapshot take(boolean periodic, boolean last, String reason) {
    long now = System.nanoTime();
    EngineSnapshot raw =
        engine.snapshot(
            new SnapshotQuery(
                config.sortOrder(),
                config.topN(),
                config.minOutstanding(),
                config.olderThan().toNanos(),
                now,
                periodic));
    List<StackReport> stacks = new ArrayList<>(raw.stacks().size());
    for (RawStack stack : raw.stacks()) {
      stacks.add(report(stack));
    }
    Map<String, Long> sourceCounters = source.counters();
    return new LeakSnapshot(
        sequence.incrementAndGet(),
        Instant.now(),
        source.target(),
        sourceName,
        config.interval(),
        raw.totals(),
        raw.counts().withSourceCauses(source.inexactWhenNonZero(), sourceCounters),
        sourceCounters,
        last,
        reason,
        stacks,
        source.design());
  }

  private StackReport report(RawStack stack) {
    List<Frame> frames = new ArrayList<>(stack.frames().length);
    for (long address : stack.frames()) {
      Frame frame = resolver.resolve(address);
      if (!frame.kernel() || config.includeKernelFrames()) {
        frames.add(frame);
      }
    }
    return new StackReport(
        stack.id(),
        stack.allocCount(),
        stack.freeCount(),
        stack.allocBytes(),
        stack.freeBytes(),
        stack.outstandingCount(),
        stack.outstandingBytes(),
        stack.growthCount(),
        stack.growthBytes(),
        frames);
  }

  private void deliver(LeakSnapshot snapshot) {
    for (Consumer<LeakSnapshot> subscriber : subscribers) {
      try {
        subscriber.accept(snapshot);
      } catch (RuntimeException e) {
        System.err.println("leakdetector: a snapshot subscriber failed: " + e);
      }
    }
  }

  /** The source's end of stream, handed to the reporting thread so the source never blocks. */
  private final class EndOfStream implements SessionSink.EndListener {
    @Override
    public void targetExited(int exitCode) {
      targetExitCode = exitCode;
      targetGone = true;
      submitEnd("target exited", null);
    }

    @Override
    public void sourceFailed(String message) {
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
      } catch (java.util.concurrent.RejectedExecutionException alreadyEnded) {
        // The session ended first; nothing is left to do.
      }
    }
  }
}
