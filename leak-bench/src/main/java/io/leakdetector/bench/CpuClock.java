package io.leakdetector.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Events per CPU-second of the benchmark thread, next to JMH's wall-clock score. On a shared
 * machine a thread can be off the processor for part of the wall-clock time (other processes, other
 * cgroups); its own CPU time counts only the time it ran, so this figure says what one core does.
 * It still includes cache and memory interference from the other processes.
 *
 * <p>The figure goes, as a line {@code cpu NAME EVENTS CPU_NANOS}, to the file named by the
 * environment variable {@code LEAKDETECTOR_BENCH_CPU_LOG} (which {@code bench/engine.sh} sets). The
 * file is opened and the management classes loaded before anything is measured, and the report
 * allocates a few hundred bytes: {@code -prof gc}'s bytes per event stay those of the engine.
 */
final class CpuClock {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final String name;
  private final FileChannel log;
  private long cpuNanos;
  private long events;
  private long startedAt = -1;

  /** A clock reporting under {@code name}; call during a trial's setup. */
  CpuClock(String name) {
    this.name = name;
    now();
    String path = System.getenv("LEAKDETECTOR_BENCH_CPU_LOG");
    try {
      log =
          path == null
              ? null
              : FileChannel.open(
                  Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long now() {
    return THREADS.getCurrentThreadCpuTime();
  }

  /** Starts counting on the calling thread. */
  void start() {
    startedAt = now();
  }

  /** Stops counting; {@code count} events ran since {@link #start()}. */
  void stop(long count) {
    if (startedAt >= 0) {
      cpuNanos += now() - startedAt;
      events += count;
      startedAt = -1;
    }
  }

  void add(long nanos, long count) {
    cpuNanos += nanos;
    events += count;
  }

  /** Writes the figure and closes the log; call during a trial's teardown. */
  void report() {
    if (log == null) {
      return;
    }
    String line =
        new StringBuilder(96)
            .append("cpu ")
            .append(name)
            .append(' ')
            .append(events)
            .append(' ')
            .append(cpuNanos)
            .append('\n')
            .toString();
    try (FileChannel channel = log) {
      channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
