package io.leakdetector.symbols.linux;

import io.leakdetector.Frame;
import java.lang.System.Logger.Level;

/**
 * Names code outside any file (a JIT's code) from the target's perf map, and, in a HotSpot target,
 * asks the JVM to write that map ({@link HotSpotAttach#requestPerfMap}) when an address is not
 * named: at most once per {@link #REQUEST_INTERVAL_NANOS}, on a daemon thread (resolving never
 * waits for it), and never again after a request failed. Off when the system property {@value
 * #REQUEST_PROPERTY} is {@code false}.
 */
final class JitCode {
  /** The module name of frames named from a perf map. */
  static final String MODULE = Frame.JIT_MODULE;

  static final String REQUEST_PROPERTY = "leakdetector.perfmap.request";
  static final long REQUEST_INTERVAL_NANOS = 30_000_000_000L;

  private static final System.Logger LOG = System.getLogger("io.leakdetector.symbols");

  private final TargetState target;
  private final PerfMapFile file;
  private final boolean requestsAllowed;
  private static final long ALIVE_CHECK_NANOS = 200_000_000L;

  private volatile int generation;
  private long lastRequest;
  private long aliveCheckedAt = System.nanoTime();
  private boolean alive = true;
  private boolean requested;
  private volatile boolean requestFailed;
  private volatile boolean requestRunning;
  private volatile boolean writtenForUs;
  private volatile Thread request;

  JitCode(TargetState target, PerfMapFile file, boolean requestsAllowed) {
    this.target = target;
    this.file = file;
    this.requestsAllowed = requestsAllowed;
  }

  static JitCode of(TargetState target) {
    return new JitCode(
        target,
        PerfMapFile.of(target),
        // a JVM watching itself names its compiled code from its code cache: no request (whose
        // thread would be traced like the application's)
        !"false".equalsIgnoreCase(System.getProperty(REQUEST_PROPERTY, "true"))
            && target.pid() != ProcessHandle.current().pid());
  }

  /**
   * The frame of {@code address} from the perf map, or {@code null} when the map does not name it.
   *
   * @param isJvm whether the target is a HotSpot JVM (maps libjvm.so), which may be asked
   */
  synchronized Frame frame(long address, boolean isJvm) {
    Frame frame = lookup(address);
    if (frame != null) {
      return frame;
    }
    if (file.refresh()) {
      generation++;
      frame = lookup(address);
      if (frame != null) {
        return frame;
      }
    }
    if (isJvm) {
      maybeRequest();
    }
    return null;
  }

  /** Counts the perf maps read: frames named from an older one may name reused code wrongly. */
  int generation() {
    return generation;
  }

  /**
   * Whether a later lookup may still name what this one did not: the target lives (checked at most
   * every {@link #ALIVE_CHECK_NANOS}, so that unnamed code costs no read of {@code /proc} each
   * time).
   */
  synchronized boolean mayLearnMore() {
    long now = System.nanoTime();
    if (alive && now - aliveCheckedAt > ALIVE_CHECK_NANOS) {
      aliveCheckedAt = now;
      alive = target.alive();
      if (!alive) {
        // a runtime may write its map as it exits (-XX:+DumpPerfMapAtExit): read it once more
        file.expectChange();
        return true;
      }
    }
    return alive;
  }

  private Frame lookup(long address) {
    PerfMap map = file.current();
    int index = map.indexOf(address);
    if (index < 0) {
      return null;
    }
    String raw = map.name(index);
    return new Frame(
        address,
        MODULE,
        raw,
        address - map.start(index),
        false,
        JitNames.readable(raw),
        null,
        0,
        false);
  }

  private void maybeRequest() {
    long now = System.nanoTime();
    if (!requestsAllowed
        || requestFailed
        || requestRunning
        || (requested && now - lastRequest < REQUEST_INTERVAL_NANOS)
        || !target.alive()) {
      return;
    }
    requested = true;
    lastRequest = now;
    requestRunning = true;
    Thread thread =
        new Thread(
            () -> {
              try {
                boolean existed = java.nio.file.Files.exists(file.path());
                HotSpotAttach.Result result = HotSpotAttach.requestPerfMap(target.pid());
                if (result.succeeded()) {
                  writtenForUs |= !existed;
                  LOG.log(
                      Level.DEBUG, "JVM {0}: perf map written to {1}", target.pid(), file.path());
                } else {
                  requestFailed = true;
                  LOG.log(Level.WARNING, "Java frames stay unnamed: " + result.message());
                }
              } finally {
                file.expectChange();
                requestRunning = false;
              }
            },
            "leakdetector-perfmap");
    thread.setDaemon(true);
    request = thread;
    thread.start();
  }

  /**
   * Deletes the perf map when the JVM wrote it only because this resolver asked (nothing is left
   * behind in the target's /tmp); a map that was there before is the user's and stays.
   */
  void close() {
    Thread running = request;
    if (running != null) {
      try {
        running.join(REQUEST_WAIT_MILLIS); // a map written after close would stay behind
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (writtenForUs) {
      file.delete();
    }
  }

  /** How long {@link #close} waits for a request still running (HotSpot answers in well under). */
  private static final long REQUEST_WAIT_MILLIS = 12_000;
}
