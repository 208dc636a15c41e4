package io.leakdetector.etw;

import com.sun.jna.platform.win32.WinNT.HANDLE;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.etw.decode.CallbackFailures;
import io.leakdetector.etw.decode.HeapEventDecoder;
import io.leakdetector.etw.decode.ImageEventDecoder;
import io.leakdetector.etw.decode.QpcClock;
import io.leakdetector.etw.decode.SourceCounters;
import io.leakdetector.etw.decode.TracedProcesses;
import io.leakdetector.etw.win32.WinError;
import io.leakdetector.etw.win32.WindowsApi;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.StreamListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One process's heap events from an ETW heap session. {@link #start} stops a stale session of our
 * name, starts ours for the target, opens it for real-time reading and runs ProcessTrace on its own
 * thread; a watcher thread waits for the target to exit. {@link #close} — from any thread: the
 * caller, the JVM shutdown hook this source registers (Ctrl+C), the watcher on target exit — stops
 * the session, closes the trace and joins both threads, once.
 *
 * <p>Beside the heap session an image session (a private system logger) reports the target's module
 * loads to the {@link StreamListener}; without it the dbghelp resolver polls the module list.
 */
final class EtwHeapEventSource implements HeapEventSource {

  /**
   * @param watchSliceMillis how long each wait on the target's handle lasts (so a close is seen)
   * @param joinMillis how long close waits for each thread to end
   * @param startRetry how long a start waits for our stopped session to go away
   */
  record Timing(int watchSliceMillis, long joinMillis, HeapSession.Retry startRetry) {
    static final Timing DEFAULT = new Timing(250, 20_000, HeapSession.Retry.DEFAULT);
  }

  private final WindowsApi api;
  private final TargetProcess target;
  private final HANDLE process;
  private final LaunchedProcess launched;
  private final boolean includeKernelFrames;
  private final BufferSettings buffers;
  private final Timing timing;
  private final IfeoTracingFlags ifeo;
  private final HeapSession session;
  private final SourceCounters counters = new SourceCounters();
  private final CallbackFailures failures = new CallbackFailures();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread shutdownHook = new Thread(this::close, "leakdetector-etw-shutdown");
  private final Object lifecycle = new Object();
  private volatile HeapEventSink sink;
  private volatile StreamListener listener;
  private volatile TraceConsumer consumer;
  private volatile ProcessWatcher watcher;
  private final ImageSession imageSession;
  private volatile TraceConsumer imageConsumer;
  private volatile ImageEventDecoder imageDecoder;
  private volatile TracedProcesses traced;
  private volatile int imageSessionError = -1;
  private boolean started;
  private boolean resumed;
  private boolean hookRegistered;
  private long lastEventsLost;
  private final Object losses = new Object();

  /**
   * @param process the target's handle, opened with at least SYNCHRONIZE; closed by {@link #close}
   * @param launched the suspended command when launching, else null
   */
  EtwHeapEventSource(
      WindowsApi api,
      TargetProcess target,
      HANDLE process,
      LaunchedProcess launched,
      boolean includeKernelFrames,
      BufferSettings buffers,
      String sessionName,
      Timing timing,
      IfeoTracingFlags ifeo) {
    this.api = api;
    this.target = target;
    this.process = process;
    this.launched = launched;
    this.includeKernelFrames = includeKernelFrames;
    this.buffers = buffers;
    this.timing = timing;
    this.ifeo = ifeo;
    this.session = new HeapSession(api.etw(), sessionName, timing.startRetry());
    this.imageSession = new ImageSession(api.etw(), ImageSession.NAME);
  }

  @Override
  public TargetProcess target() {
    return target;
  }

  @Override
  public void start(HeapEventSink sink, StreamListener listener) throws LeakDetectorException {
    Exception failure = null;
    synchronized (lifecycle) {
      if (started || closing.get()) {
        throw new LeakDetectorException(
            Kind.SOURCE_FAILED, "The ETW heap source was already started or closed.");
      }
      started = true;
      this.sink = sink;
      this.listener = listener;
      try {
        startTracing(sink, listener);
      } catch (LeakDetectorException | RuntimeException e) {
        failure = e;
      }
    }
    if (failure != null) {
      // Outside the lock: the watcher may be closing already and waiting for it.
      closeOnce();
      if (failure instanceof LeakDetectorException checked) {
        throw checked;
      }
      throw (RuntimeException) failure;
    }
  }

  private void startTracing(HeapEventSink sink, StreamListener listener)
      throws LeakDetectorException {
    traced = new TracedProcesses(target.pid(), followDescendants(), listener);
    startImageEvents();
    HeapEventDecoder decoder =
        new HeapEventDecoder(traced, sink, includeKernelFrames, counters, failures);
    session.start(sessionProcessId(), buffers);
    consumer =
        new TraceConsumer(
            api, session.name(), decoder, "leakdetector-etw-consumer", this::onConsumerEnd);
    QpcClock clock = consumer.open();
    decoder.setClock(clock);
    consumer.start();
    watcher =
        new ProcessWatcher(api.kernel32(), process, this::onTargetExit, timing.watchSliceMillis());
    watcher.start();
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    hookRegistered = true;
    if (launched != null) {
      launched.resume(api.kernel32());
      resumed = true;
    }
  }

  /**
   * Starts the image session and its consumer; if either fails, module loads are not reported and
   * the symbol resolver polls the module list instead (the error stays in the counters).
   */
  private void startImageEvents() {
    imageSessionError = imageSession.start();
    if (imageSessionError != WinError.ERROR_SUCCESS) {
      return;
    }
    imageDecoder =
        new ImageEventDecoder(traced, DeviceNames.read(api.kernel32(), systemRoot()), failures);
    TraceConsumer images =
        new TraceConsumer(
            api, imageSession.name(), imageDecoder, "leakdetector-etw-images", r -> {});
    try {
      images.open();
    } catch (LeakDetectorException e) {
      imageSessionError = -1;
      imageSession.stop();
      return;
    }
    images.start();
    imageConsumer = images;
  }

  private static String systemRoot() {
    String root = System.getenv("SystemRoot");
    return root == null || root.isBlank() ? "C:\\Windows" : root;
  }

  /**
   * Whether descendants of the target are followed: with IFEO a command that starts itself again is
   * traced in its new process too.
   */
  private boolean followDescendants() {
    return ifeo != null;
  }

  /**
   * The process id the heap session is started for: the target's, or with IFEO 0 (PerfView's
   * choice: a process that always exists and never allocates), so that every process whose IFEO key
   * has TracingFlags logs to it.
   */
  private int sessionProcessId() {
    return ifeo != null ? 0 : (int) target.pid();
  }

  /**
   * Not a barrier: ETW hands buffered events over on its own flush timer, so events of the last
   * second may reach the sink only after this returns. Reads the session's loss counters
   * (ControlTrace QUERY) and reports new losses, so the report says what was lost until now.
   */
  @Override
  public void catchUp() {
    if (closing.get()) {
      return;
    }
    synchronized (lifecycle) {
      if (!started || closing.get()) {
        return;
      }
    }
    readLosses();
  }

  /** Once per interval and once more before the session stops, so the final report has them. */
  private void readLosses() {
    synchronized (losses) {
      HeapSession.Losses now = session.query();
      if (now == null) {
        counters.increment(SourceCounters.QUERY_FAILURES);
        return;
      }
      counters.set(SourceCounters.EVENTS_LOST, now.eventsLost());
      counters.set(SourceCounters.LOG_BUFFERS_LOST, now.logBuffersLost());
      counters.set(SourceCounters.REAL_TIME_BUFFERS_LOST, now.realTimeBuffersLost());
      long newlyLost = now.eventsLost() - lastEventsLost;
      lastEventsLost = now.eventsLost();
      if (newlyLost > 0) {
        sink.onLost(newlyLost);
      }
    }
  }

  /**
   * The counters that mean heap events are missing: buffers the session lost (its own count and the
   * real-time notifications), events the callback had to drop (a failure, a payload too short), and
   * stacks whose heap event never came (ETW logs a stack only with an alloc or realloc of the
   * target, so an unclaimed one stands for a lost event). Events lost are reported through {@link
   * HeapEventSink#onLost} already. Stacks missing from delivered events do not make the counts
   * inexact, only their attribution.
   */
  @Override
  public List<String> inexactWhenNonZero() {
    return INEXACT_WHEN_NON_ZERO;
  }

  static final List<String> INEXACT_WHEN_NON_ZERO =
      List.of(
          SourceCounters.name(SourceCounters.LOG_BUFFERS_LOST),
          SourceCounters.name(SourceCounters.REAL_TIME_BUFFERS_LOST),
          SourceCounters.name(SourceCounters.RT_LOST_EVENTS),
          SourceCounters.name(SourceCounters.RT_LOST_BUFFERS),
          SourceCounters.name(SourceCounters.CALLBACK_FAILURES),
          SourceCounters.name(SourceCounters.MALFORMED_EVENTS),
          SourceCounters.name(SourceCounters.STACKS_UNMATCHED));

  /** The last failure inside an ETW callback, or null (it is also logged). */
  String lastCallbackFailure() {
    return failures.last();
  }

  @Override
  public Map<String, Long> counters() {
    Map<String, Long> all = new LinkedHashMap<>(counters.snapshot());
    all.put("staleSessionsStopped", session.staleStopped() ? 1L : 0L);
    all.put("startRetries", (long) session.retries());
    all.put("imageSessionError", (long) imageSessionError);
    ImageEventDecoder images = imageDecoder;
    all.put("imageLoads", images == null ? 0L : images.loads());
    all.put("imageUnloads", images == null ? 0L : images.unloads());
    all.put(
        "imageEventFailures", images == null ? 0L : images.callbackFailures() + images.malformed());
    TracedProcesses processes = traced;
    all.put("tracedProcesses", processes == null ? 1L : processes.tracedCount());
    return all;
  }

  /** Stops tracing and joins the threads; safe from any thread, idempotent. */
  @Override
  public void close() {
    closeOnce();
    if (!isOwnThread(Thread.currentThread())) {
      // The close may have run on one of our threads, which cannot join itself: join it here.
      try {
        if (consumer != null) {
          consumer.join(timing.joinMillis());
        }
        if (imageConsumer != null) {
          imageConsumer.join(timing.joinMillis());
        }
        if (watcher != null) {
          watcher.join(timing.joinMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The shutdown hook this source registers while it runs (for tests of the Ctrl+C path). */
  Thread shutdownHook() {
    return shutdownHook;
  }

  private void onTargetExit(int exitCode) {
    if (closeOnce()) {
      listener.onTargetExit(exitCode);
    }
  }

  private void onConsumerEnd(int result) {
    if (closing.get()) {
      return;
    }
    listener.onSourceFailure(
        "The ETW heap session ended while tracing (ProcessTrace returned "
            + result
            + "); was it stopped from outside LeakDetector?");
    closeOnce();
  }

  /** Runs the shutdown once; true for the call that ran it. Other callers wait for it. */
  private boolean closeOnce() {
    if (!closing.compareAndSet(false, true)) {
      if (!isOwnThread(Thread.currentThread())) {
        awaitClosed();
      }
      return false;
    }
    try {
      synchronized (lifecycle) {
        shutdown();
      }
    } finally {
      closed.countDown();
    }
    return true;
  }

  private void shutdown() {
    if (watcher != null) {
      watcher.stop();
    }
    if (session.running()) {
      readLosses(); // the last losses, for the final report
    }
    session.stop();
    imageSession.stop();
    boolean consumerEnded = true;
    boolean watcherEnded = true;
    try {
      if (consumer != null) {
        consumer.close();
        consumerEnded = consumer.join(timing.joinMillis());
      }
      if (imageConsumer != null) {
        imageConsumer.close();
        consumerEnded &= imageConsumer.join(timing.joinMillis());
      }
      if (watcher != null) {
        watcherEnded = watcher.join(timing.joinMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (launched != null && !resumed) {
      launched.abandon(api.kernel32());
    }
    if (ifeo != null) {
      ifeo.restore(); // every exit path comes here: close, Ctrl+C, target exit, failed start
    }
    if (watcherEnded) {
      api.kernel32().CloseHandle(process);
    }
    if (!consumerEnded && listener != null) {
      listener.onSourceFailure(
          "The ETW consumer thread did not stop within "
              + timing.joinMillis() / 1000
              + " s after the session was stopped.");
    }
    if (hookRegistered && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting; the hook is running or will find the source closed
      }
    }
  }

  private boolean isOwnThread(Thread thread) {
    return (consumer != null && consumer.isConsumerThread(thread))
        || (imageConsumer != null && imageConsumer.isConsumerThread(thread))
        || (watcher != null && watcher.isWatcherThread(thread));
  }

  private void awaitClosed() {
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
