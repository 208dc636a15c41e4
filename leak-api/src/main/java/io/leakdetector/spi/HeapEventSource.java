package io.leakdetector.spi;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;
import java.util.List;
import java.util.Map;

/**
 * A live stream of one process's heap events. Opening it attaches (or launches the command, held
 * before its first instruction); {@link #start} turns the stream on; {@link #close} turns it off
 * and leaves nothing behind on the system.
 */
public interface HeapEventSource extends AutoCloseable {

  /** The traced process. Known once the source is open. */
  TargetProcess target();

  /**
   * Starts delivering events on the source's own thread, and returns once tracing is on. A launched
   * command starts running here.
   *
   * @param sink where heap events go
   * @param listener told of every module the target maps from now on, of the target's exit and of
   *     the source's failure
   */
  void start(HeapEventSink sink, StreamListener listener) throws LeakDetectorException;

  /**
   * Brings the sink up to date for a periodic report. The session calls it on its reporting thread
   * right before each periodic snapshot (not before an on-demand one), never concurrently with
   * itself; it must return within a bounded time. What "up to date" means is each source's promise:
   *
   * <ul>
   *   <li>uprobes: a barrier. It waits (at most a few reader periods) until every record the kernel
   *       wrote before the call is decoded, paired and delivered, so the report shows what the
   *       target did until now.
   *   <li>etw: no barrier. ETW hands buffered events over on its own flush timer (about a second),
   *       so the latest events may come in the next report; it reads the session's lost-event
   *       counters here and reports new losses.
   * </ul>
   *
   * <p>The final report needs no call: {@link #stop} delivers everything the source holds. By
   * default it does nothing.
   */
  default void catchUp() {}

  /**
   * Drops the heap events of the calling thread from now on, when the source traces the process it
   * runs in ({@link TargetSpec.Self}), so that the detector's own allocations neither show in its
   * reports nor cost tracing (they are only counted). The session calls it first thing on every
   * thread it starts for itself (its reporting thread, which also runs the exporters); a source
   * calls it on its own threads. Safe to call from any thread at any time after the source is open;
   * by default, and for other targets, it does nothing.
   */
  default void excludeCurrentThread() {}

  /**
   * Drops the heap events of thread {@code tid} (a kernel thread id of this process) from now on,
   * as {@link #excludeCurrentThread()} does for the caller: for the threads a library started for
   * the detector, on which the session cannot run code first. By default it does nothing.
   */
  default void excludeThread(int tid) {}

  /** Counters of the source's own (decode failures, unpaired stacks, …), by name. */
  default Map<String, Long> counters() {
    return Map.of();
  }

  /**
   * Which of its designs the source runs, when it has more than one and this is not its main one
   * (e.g. {@code "per-thread fallback"}); reports name it. {@code ""} by default.
   */
  default String design() {
    return "";
  }

  /**
   * The names of those {@link #counters()} that, when not zero, mean events may be missing (a
   * thread traced late, a probe that could not be placed, a buffer the operating system dropped),
   * so the report is inexact and names them. Lost events the source reported through {@link
   * HeapEventSink#onLost} need not be repeated here.
   */
  default List<String> inexactWhenNonZero() {
    return List.of();
  }

  /**
   * Stops delivering events: everything the source already read or buffered has reached the sink
   * when this returns, and nothing reaches it afterwards. The session calls it before the final
   * report, so that a source whose {@link #close} is slow does not hold that report up. May leave
   * releasing system resources to {@link #close}. Idempotent; by default it is {@link #close}.
   */
  default void stop() {
    close();
  }

  /** Stops tracing, joins the source's threads and releases every system resource. Idempotent. */
  @Override
  void close();
}
