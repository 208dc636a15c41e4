package io.leakdetector.etw.decode;

/**
 * Converts raw QPC ticks (the timestamps of a session opened with PROCESS_TRACE_MODE_RAW_TIMESTAMP)
 * to nanoseconds. On Windows {@link System#nanoTime()} counts QPC ticks scaled the same way, so the
 * result is on the clock the sink expects.
 */
public record QpcClock(long ticksPerSecond) {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  public QpcClock {
    if (ticksPerSecond <= 0) {
      throw new IllegalArgumentException("QPC frequency must be positive: " + ticksPerSecond);
    }
  }

  /** {@code ticks * 1e9 / frequency}, without overflow for any tick count. */
  public long toNanos(long ticks) {
    long seconds = ticks / ticksPerSecond;
    long rest = ticks % ticksPerSecond;
    if (ticksPerSecond <= Long.MAX_VALUE / NANOS_PER_SECOND) {
      return seconds * NANOS_PER_SECOND + rest * NANOS_PER_SECOND / ticksPerSecond;
    }
    return seconds * NANOS_PER_SECOND + (long) ((double) rest * NANOS_PER_SECOND / ticksPerSecond);
  }
}
