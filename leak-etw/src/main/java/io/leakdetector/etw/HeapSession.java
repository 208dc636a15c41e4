package io.leakdetector.etw;

import com.sun.jna.Memory;
import com.sun.jna.WString;
import com.sun.jna.ptr.LongByReference;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.WinError;

/**
 * The controller side of the heap session (FACTS.md, "Heap session", "Session conflicts"): stops a
 * stale session of our name, starts ours with the heap GUID and the extension block, queries its
 * loss counters and stops it. Sessions are addressed by name, so a session left behind by a crashed
 * run is found again.
 */
final class HeapSession {
  /** The fixed name of LeakDetector's heap session. */
  static final String NAME = "LeakDetectorHeapSession";

  static final String ADMIN =
      "Starting an ETW heap trace needs administrator rights: run from an administrator console.";
  static final String OTHER_HEAP_SESSION =
      "Another ETW heap tracing session is running (xperf, WPR and PerfView heap traces use the"
          + " same heap provider GUID, and Windows allows only one at a time): stop it and try"
          + " again.";

  /** The message when the session holding the heap GUID is known by name. */
  static String otherHeapSession(String holder) {
    return "The ETW session '"
        + holder
        + "' holds the heap provider GUID (Windows allows one heap tracing session at a time;"
        + " xperf, WPR and PerfView heap traces use it): stop it (logman stop \""
        + holder
        + "\" -ets) and try again.";
  }

  static String stillStopping(String name, long millis) {
    return "LeakDetector's previous heap session '"
        + name
        + "' was still stopping after "
        + millis
        + " ms: try again in a moment.";
  }

  static final String NO_SLOT =
      "Windows has no free ETW session slot (64 run at once at most): stop an unused session"
          + " (logman query -ets lists them) and try again.";

  /** Loss counters of the running session, as ControlTrace QUERY returns them. */
  record Losses(long eventsLost, long logBuffersLost, long realTimeBuffersLost) {}

  private final EventTracing advapi32;
  private final String name;
  private final Retry retry;
  private final WString wideName;
  private final Memory control = SessionProperties.forControl();
  private boolean staleStopped;
  private boolean running;
  private int retries;

  /**
   * How long a start waits for a stopped session of ours to go away (ERROR_ALREADY_EXISTS while it
   * shuts down), and how often it tries again.
   */
  record Retry(long delayMillis, long budgetMillis) {
    static final Retry DEFAULT = new Retry(100, 5_000);
  }

  HeapSession(EventTracing advapi32, String name, Retry retry) {
    this.advapi32 = advapi32;
    this.name = name;
    this.retry = retry;
    this.wideName = new WString(name);
  }

  String name() {
    return name;
  }

  /** Whether start found a session of our name left running and stopped it. */
  boolean staleStopped() {
    return staleStopped;
  }

  /**
   * Stops a stale session of our name, then starts the heap session for {@code processId}. While a
   * stopped session of ours is still shutting down, StartTraceW says ERROR_ALREADY_EXISTS: the
   * start is tried again within the retry budget (as TraceEvent does). A session of another name
   * that holds the heap GUID is named in the error.
   */
  synchronized void start(int processId, BufferSettings buffers) throws LeakDetectorException {
    int stale = stopByName();
    if (stale == WinError.ERROR_ACCESS_DENIED) {
      throw new LeakDetectorException(Kind.NOT_PERMITTED, ADMIN);
    }
    staleStopped = stale == WinError.ERROR_SUCCESS;
    Memory properties = SessionProperties.forStart(name, processId, buffers);
    long waited = 0;
    while (true) {
      LongByReference handle = new LongByReference();
      int result = advapi32.StartTraceW(handle, wideName, properties);
      switch (result) {
        case WinError.ERROR_SUCCESS -> {
          running = true;
          return;
        }
        case WinError.ERROR_ACCESS_DENIED ->
            throw new LeakDetectorException(Kind.NOT_PERMITTED, ADMIN);
        case WinError.ERROR_ALREADY_EXISTS -> {
          String holder = SessionTable.heapSessionName(advapi32);
          if (holder != null && !holder.equalsIgnoreCase(name)) {
            throw new LeakDetectorException(Kind.UNAVAILABLE, otherHeapSession(holder));
          }
          if (waited >= retry.budgetMillis()) {
            throw new LeakDetectorException(
                Kind.UNAVAILABLE,
                holder != null ? stillStopping(name, waited) : OTHER_HEAP_SESSION);
          }
          if (holder != null) {
            stopByName(); // ours: make sure it is being stopped
          }
          retries++;
          sleep(retry.delayMillis());
          waited += retry.delayMillis();
        }
        case WinError.ERROR_NO_SYSTEM_RESOURCES ->
            throw new LeakDetectorException(Kind.UNAVAILABLE, NO_SLOT);
        default ->
            throw new LeakDetectorException(
                Kind.SOURCE_FAILED,
                "Windows refused to start the ETW heap session (StartTraceW error "
                    + result
                    + ").");
      }
    }
  }

  synchronized boolean running() {
    return running;
  }

  /** How many times start had to try again (ERROR_ALREADY_EXISTS). */
  synchronized int retries() {
    return retries;
  }

  private static void sleep(long millis) throws LeakDetectorException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeakDetectorException(
          Kind.SOURCE_FAILED, "Interrupted while waiting to start the ETW heap session.");
    }
  }

  /**
   * The session's loss counters, or null when the query failed (for instance because the session is
   * gone).
   */
  synchronized Losses query() {
    SessionProperties.resetControl(control);
    int result =
        advapi32.ControlTraceW(0, wideName, control, EventTracing.EVENT_TRACE_CONTROL_QUERY);
    if (result != WinError.ERROR_SUCCESS) {
      return null;
    }
    return new Losses(
        Integer.toUnsignedLong(control.getInt(SessionProperties.EVENTS_LOST)),
        Integer.toUnsignedLong(control.getInt(SessionProperties.LOG_BUFFERS_LOST)),
        Integer.toUnsignedLong(control.getInt(SessionProperties.REAL_TIME_BUFFERS_LOST)));
  }

  /** Stops the session if this object started it; returns the ControlTrace result. */
  synchronized int stop() {
    if (!running) {
      return WinError.ERROR_SUCCESS;
    }
    running = false;
    int result = stopByName();
    return result == WinError.ERROR_WMI_INSTANCE_NOT_FOUND ? WinError.ERROR_SUCCESS : result;
  }

  private int stopByName() {
    SessionProperties.resetControl(control);
    return advapi32.ControlTraceW(0, wideName, control, EventTracing.EVENT_TRACE_CONTROL_STOP);
  }
}
