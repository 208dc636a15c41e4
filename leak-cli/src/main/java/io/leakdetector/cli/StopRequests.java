package io.leakdetector.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns Ctrl+C (SIGINT) and SIGTERM into a request to stop tracing, so that the run can print its
 * final report and exit with 0 instead of being killed by the JVM's default handlers.
 *
 * <p>A second signal exits at once (status 130) through {@link System#exit}, so the shutdown hooks
 * of the sources still remove what they put in place. A shutdown hook covers the other ways the JVM
 * can be told to exit while tracing (SIGHUP, or signals this class could not take over): it asks
 * for the stop too and waits, for at most {@link #HOOK_WAIT_SECONDS}, until the run says it has
 * finished its final report.
 */
final class StopRequests implements AutoCloseable {
  static final long HOOK_WAIT_SECONDS = 30;

  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final List<Signal> signals = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();
  private final Thread hook = new Thread(this::onShutdown, "leakdetector-shutdown");
  private volatile boolean forced;
  private volatile String reason = "";

  private StopRequests() {}

  /** Takes over SIGINT and SIGTERM and registers the shutdown hook. */
  static StopRequests install() {
    StopRequests stops = new StopRequests();
    stops.take("INT");
    stops.take("TERM");
    Runtime.getRuntime().addShutdownHook(stops.hook);
    return stops;
  }

  /** Requests without any signal or hook: for embedding and tests. */
  static StopRequests manual() {
    return new StopRequests();
  }

  /** Asks the run to stop; the first call wins. */
  void request(String why) {
    if (requested.getCount() > 0) {
      reason = why;
      requested.countDown();
    }
  }

  boolean isRequested() {
    return requested.getCount() == 0;
  }

  /** What asked for the stop ({@code "interrupted"}, {@code "terminated"}), or {@code ""}. */
  String reason() {
    return reason;
  }

  /** Waits up to {@code millis} for a stop request; returns whether one came. */
  boolean await(long millis) throws InterruptedException {
    return requested.await(millis, TimeUnit.MILLISECONDS);
  }

  /** The run has printed its final report: a waiting shutdown hook may let the JVM go. */
  void finished() {
    finished.countDown();
  }

  /** Gives the signals back to the JVM and removes the hook (unless the JVM is exiting). */
  @Override
  public void close() {
    finished();
    for (int i = 0; i < signals.size(); i++) {
      try {
        Signal.handle(signals.get(i), previous.get(i));
      } catch (IllegalArgumentException e) {
        // Could not restore: the JVM keeps our handler, which only records a request.
      }
    }
    signals.clear();
    previous.clear();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException | IllegalArgumentException exiting) {
      // The JVM is shutting down, or the hook was never registered.
    }
  }

  private void take(String name) {
    try {
      Signal signal = new Signal(name);
      SignalHandler old = Signal.handle(signal, this::onSignal);
      signals.add(signal);
      previous.add(old);
    } catch (IllegalArgumentException unavailable) {
      // The signal is unknown here or reserved (-Xrs): the shutdown hook still covers it.
    }
  }

  private void onSignal(Signal signal) {
    if (isRequested()) {
      forced = true;
      System.err.println("leakdetector: stopping now, without waiting for the final report.");
      Thread exit = new Thread(() -> System.exit(128 + signal.getNumber()), "leakdetector-exit");
      exit.setDaemon(true);
      exit.start();
      return;
    }
    request(signal.getName().equals("INT") ? "interrupted" : "terminated");
  }

  private void onShutdown() {
    request("the JVM is shutting down");
    if (forced) {
      return;
    }
    try {
      finished.await(HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
