package io.leakdetector.etw;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.SourceRequest;

/**
 * The session's buffers. Heap tracing is verbose and a lost free makes a false leak, so the
 * defaults are generous: 64 KiB buffers, at least 256 (16 MiB) and up to 1024 (64 MiB), in line
 * with TraceEvent's real-time defaults (64 KiB × 1024–1290).
 *
 * @param bufferKib {@code BufferSize}, in KiB (1 to 16384 from Windows 8)
 * @param minimumBuffers {@code MinimumBuffers}
 * @param maximumBuffers {@code MaximumBuffers}
 */
record BufferSettings(int bufferKib, int minimumBuffers, int maximumBuffers) {
  static final String BUFFER_KIB = "etw.buffer-kib";
  static final String MIN_BUFFERS = "etw.min-buffers";
  static final String MAX_BUFFERS = "etw.max-buffers";

  static BufferSettings defaults() {
    int minimum = Math.max(256, 4 * Runtime.getRuntime().availableProcessors());
    return new BufferSettings(64, minimum, Math.max(1024, minimum));
  }

  /** The defaults, overridden by the request's {@code etw.*} options. */
  static BufferSettings from(SourceRequest request) throws LeakDetectorException {
    BufferSettings defaults = defaults();
    int kib = option(request, BUFFER_KIB, defaults.bufferKib(), 1, 16384);
    int minimum = option(request, MIN_BUFFERS, defaults.minimumBuffers(), 2, 1 << 20);
    int maximum =
        option(request, MAX_BUFFERS, Math.max(defaults.maximumBuffers(), minimum), 2, 1 << 20);
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
