package io.leakdetector;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * One tracing session of one process. Opening a session attaches to the process (or launches the
 * command); {@link #start()} turns tracing on; every interval a snapshot goes to each subscriber
 * and exporter; {@link #close()} turns tracing off and leaves nothing behind.
 *
 * <pre>{@code
 * try (LeakSession session = LeakDetector.builder().pid(pid).interval(Duration.ofSeconds(5))
 *     .build().open()) {
 *   session.subscribe(snapshot -> System.out.println(snapshot.totals()));
 *   session.start();
 *   session.awaitTermination();
 * }
 * }</pre>
 */
public interface LeakSession extends AutoCloseable {

  /** The traced process. */
  TargetProcess target();

  /** The name of the source in use ({@code uprobes}, {@code etw}). */
  String sourceName();

  /**
   * Registers a consumer of every periodic and final snapshot. Consumers are called in order on the
   * session's reporting thread; one that throws is logged (a {@link System.Logger} warning, with
   * the exception) and skipped for that snapshot.
   */
  void subscribe(Consumer<LeakSnapshot> subscriber);

  /** Turns tracing on. A launched command starts running now. */
  void start() throws LeakDetectorException;

  /**
   * A snapshot taken now, on demand. It does not start a new interval: growth stays measured from
   * the previous periodic snapshot.
   */
  LeakSnapshot snapshot();

  /**
   * Waits until the session ends: the report count was reached, the target exited, the source
   * failed or {@link #stop()} was called.
   */
  void awaitTermination() throws InterruptedException;

  /** Like {@link #awaitTermination()}, for at most {@code timeout}; returns whether it ended. */
  boolean awaitTermination(Duration timeout) throws InterruptedException;

  /**
   * Stops tracing and delivers the final snapshot (if the session has not already delivered one) to
   * the subscribers and exporters, then closes the exporters. {@link #snapshot()} still works
   * afterwards. Idempotent.
   */
  void stop();

  /** Why the session ended, or {@code ""} while it runs. */
  String endReason();

  /**
   * The failure that ended the session, if a failure did (the source failed); {@code null}
   * otherwise.
   */
  LeakDetectorException failure();

  /** The target's exit status when it exited and the source knows it, else -1. */
  int targetExitCode();

  /** {@link #stop()}, then releases what is left (the symbol resolver). Idempotent. */
  @Override
  void close();
}
