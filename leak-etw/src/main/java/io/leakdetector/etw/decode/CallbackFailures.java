package io.leakdetector.etw.decode;

import java.lang.System.Logger.Level;

/**
 * What went wrong inside an ETW callback, which must never throw (an exception escaping it would
 * make ProcessTrace fail): each failure is counted by the caller, the first one and then every
 * {@link #LOG_EVERY}th is logged with its stack trace through {@link System.Logger}, and the last
 * message is kept for the report.
 */
public final class CallbackFailures {
  static final int LOG_EVERY = 10_000;

  private static final System.Logger LOG = System.getLogger("io.leakdetector.etw");

  private volatile String last;
  private long seen;

  /** Records a failure; called on the failing callback's thread. */
  public void record(String where, Throwable failure) {
    last = where + ": " + failure;
    if (seen++ % LOG_EVERY == 0) {
      LOG.log(
          Level.WARNING,
          "ETW " + where + " failed (" + seen + " so far); the event was dropped",
          failure);
    }
  }

  /** The last failure's description, or null when there was none. */
  public String last() {
    return last;
  }
}
