package io.leakdetector.etw;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.SourceRequest;

/**
 * The heap session's buffers, sized from the event rate they must absorb. Heap tracing is among the
 * noisiest providers and a lost free makes a false leak, so the buffers hold {@link
 * #DEFAULT_SECONDS} seconds of {@link #DEFAULT_EVENTS_PER_SECOND} heap events with their stacks
 * while the consumer falls behind: about 256 MiB, PerfView's minimum for its heap session, in 1 MiB
 * buffers (xperf's heap examples use 1024 KiB). A quarter is allocated at start (ETW buffers are
 * non-paged memory); the rest only when needed. Each value can be set (FACTS.md, "Buffers").
 *
 * @param bufferKib {@code BufferSize}, in KiB (1 to 16384 from Windows 8)
 * @param minimumBuffers {@code MinimumBuffers}
 * @param maximumBuffers {@code MaximumBuffers}
 */
record BufferSettings(int bufferKib, int minimumBuffers, int maximumBuffers) {
  static final String EVENTS_PER_SECOND = "etw.events-per-second";
  static final String SECONDS = "etw.buffer-seconds";
  static final String BUFFER_KIB = "etw.buffer-kib";
  static final String MIN_BUFFERS = "etw.min-buffers";
  static final String MAX_BUFFERS = "etw.max-buffers";

  static final int DEFAULT_EVENTS_PER_SECOND = 100_000;
  static final int DEFAULT_SECONDS = 5;
  static final int DEFAULT_BUFFER_KIB = 1024;

  /**
   * Bytes one heap event takes in the buffers with its StackWalk event: two event headers, the
   * alloc payload and about 50 eight-byte frames.
   */
  static final int BYTES_PER_EVENT = 512;

  /** The most memory the sizing asks for (4 GiB), whatever the rate. */
  static final long MAX_TOTAL_BYTES = 4L << 30;

  /** Buffers for {@code eventsPerSecond} during {@code seconds}, on {@code processors} CPUs. */
  static BufferSettings forRate(long eventsPerSecond, int seconds, int bufferKib, int processors) {
    long total = Math.min(MAX_TOTAL_BYTES, eventsPerSecond * BYTES_PER_EVENT * seconds);
    long bufferBytes = 1024L * bufferKib;
    int maximum = (int) Math.max(2L * processors, (total + bufferBytes - 1) / bufferBytes);
    int minimum = Math.max(2 * processors, maximum / 4);
    return new BufferSettings(bufferKib, Math.min(minimum, maximum), maximum);
  }

  static BufferSettings defaults() {
    return forRate(
        DEFAULT_EVENTS_PER_SECOND,
        DEFAULT_SECONDS,
        DEFAULT_BUFFER_KIB,
        Runtime.getRuntime().availableProcessors());
  }

  /** The buffers the request's {@code etw.*} options ask for. */
  static BufferSettings from(SourceRequest request) throws LeakDetectorException {
    return from(request, Runtime.getRuntime().availableProcessors());
  }

  static BufferSettings from(SourceRequest request, int processors) throws LeakDetectorException {
    int rate = option(request, EVENTS_PER_SECOND, DEFAULT_EVENTS_PER_SECOND, 1_000, 100_000_000);
    int seconds = option(request, SECONDS, DEFAULT_SECONDS, 1, 600);
    int kib = option(request, BUFFER_KIB, DEFAULT_BUFFER_KIB, 1, 16384);
    BufferSettings sized = forRate(rate, seconds, kib, processors);
    int minimum = option(request, MIN_BUFFERS, sized.minimumBuffers(), 2, 1 << 20);
    int maximum =
        option(request, MAX_BUFFERS, Math.max(sized.maximumBuffers(), minimum), 2, 1 << 20);
    if (maximum < minimum) {
      throw new LeakDetectorException(
          LeakDetectorException.Kind.USAGE,
          MAX_BUFFERS
              + " ("
              + maximum
              + ") must not be below "
              + MIN_BUFFERS
              + " ("
              + minimum
              + ").");
    }
    return new BufferSettings(kib, minimum, maximum);
  }

  /** The most buffer memory the session may use, in MiB. */
  long maximumMib() {
    return (long) bufferKib * maximumBuffers / 1024;
  }

  private static int option(SourceRequest request, String name, int fallback, int min, int max)
      throws LeakDetectorException {
    String text = request.option(name, null);
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new LeakDetectorException(
        LeakDetectorException.Kind.USAGE,
        name + " must be a whole number from " + min + " to " + max + ", not '" + text + "'.");
  }
}
