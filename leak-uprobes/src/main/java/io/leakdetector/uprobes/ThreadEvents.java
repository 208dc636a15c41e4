package io.leakdetector.uprobes;

import io.leakdetector.uprobes.probe.AllocatorFunction;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The perf events opened for one thread of the target: their fds, kernel ids and the phase in which
 * each is enabled.
 *
 * <p>Events are enabled phase by phase (across all threads when several are enabled at once), so
 * that tracing never starts in an order that invents a leak: return probes and side-band events
 * first (an entry recorded always has its return recorded), then the entries of the functions that
 * free ({@code free}, {@code realloc}, {@code reallocarray}), then the entries of the pure
 * allocators. A block allocated once its allocator is traced is then always freed by a traced call;
 * the other way round a block allocated in the gap and freed after it would stay a false leak. The
 * reverse gap only makes an unmatched free.
 */
final class ThreadEvents {
  /** Return probes and side-band events. */
  static final byte RETURNS = 0;

  /** Entries of functions that free a block. */
  static final byte FREEING_ENTRIES = 1;

  /** Entries of functions that only allocate. */
  static final byte ALLOCATING_ENTRIES = 2;

  static final int PHASES = 3;

  final int tid;
  int[] fds = new int[32];
  long[] ids = new long[32];
  byte[] phase = new byte[32];
  int count;

  ThreadEvents(int tid) {
    this.tid = tid;
  }

  void add(int fd, long id, byte enablePhase) {
    if (count == fds.length) {
      fds = Arrays.copyOf(fds, count * 2);
      ids = Arrays.copyOf(ids, count * 2);
      phase = Arrays.copyOf(phase, count * 2);
    }
    fds[count] = fd;
    ids[count] = id;
    phase[count] = enablePhase;
    count++;
  }

  /** The phase of an entry probe on a function of {@code kind}. */
  static byte entryPhase(AllocatorFunction.Kind kind) {
    return switch (kind) {
      case FREE, REALLOC, REALLOCARRAY -> FREEING_ENTRIES;
      default -> ALLOCATING_ENTRIES;
    };
  }

  /** Hands the fds of {@code all} to {@code enable}, each phase in every thread before the next. */
  static void inEnableOrder(List<ThreadEvents> all, IntConsumer enable) {
    for (byte p = 0; p < PHASES; p++) {
      for (ThreadEvents events : all) {
        for (int k = 0; k < events.count; k++) {
          if (events.phase[k] == p) {
            enable.accept(events.fds[k]);
          }
        }
      }
    }
  }

  /** Adds every event of {@code other}. */
  void addAll(ThreadEvents other) {
    for (int k = 0; k < other.count; k++) {
      add(other.fds[k], other.ids[k], other.phase[k]);
    }
  }
}
