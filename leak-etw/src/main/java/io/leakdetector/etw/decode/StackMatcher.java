package io.leakdetector.etw.decode;

import io.leakdetector.spi.HeapEventSink;

/**
 * Pairs StackWalk fragments with heap events (FACTS.md, "Stacks"). A heap event's stack is found by
 * its raw timestamp and thread. A stack may come in two fragments, as TraceLog (PerfView) handles
 * it: a kernel-only fragment, then the user-mode part, walked when the thread leaves the kernel;
 * the user part either repeats the event's timestamp or, if it has its own, completes every
 * kernel-only fragment still open on that thread. A stack is complete once it has a user-mode
 * frame. Frames are kept as logged; kernel frames are dropped (unless asked for) when the stack is
 * interned.
 */
final class StackMatcher {
  /** Kernel addresses (TraceEvent's TraceLog.IsWindowsKernelAddress uses the same cut-offs). */
  static final long KERNEL_START_64 = 0xFFFF000000000000L;

  static final long KERNEL_START_32 = 0x80000000L;

  private final HeapEventSink sink;
  private final boolean includeKernelFrames;
  private final SourceCounters counters;
  private final PendingStacks stacks;
  private final long[] scratch;
  private final int[] dropped = new int[1];

  StackMatcher(
      HeapEventSink sink,
      boolean includeKernelFrames,
      SourceCounters counters,
      int capacity,
      int maxFrames) {
    this.sink = sink;
    this.includeKernelFrames = includeKernelFrames;
    this.counters = counters;
    this.stacks = new PendingStacks(capacity, maxFrames);
    this.scratch = new long[maxFrames];
  }

  static boolean isKernel(long address, int frameSize) {
    return frameSize == 8
        ? Long.compareUnsigned(address, KERNEL_START_64) >= 0
        : address >= KERNEL_START_32;
  }

  /** Whether some frame is a user-mode address. */
  static boolean hasUserFrame(long[] frames, int count, int frameSize) {
    for (int i = 0; i < count; i++) {
      if (!isKernel(frames[i], frameSize)) {
        return true;
      }
    }
    return false;
  }

  /** Whether every frame is a user-mode address (a user-only fragment). */
  static boolean userOnly(long[] frames, int count, int frameSize) {
    for (int i = 0; i < count; i++) {
      if (isKernel(frames[i], frameSize)) {
        return false;
      }
    }
    return count > 0;
  }

  /** The waiting fragment of (time, thread), or -1. */
  int find(long time, int tid) {
    return stacks.find(time, tid);
  }

  boolean complete(int slot) {
    for (int i = 0; i < stacks.length(slot); i++) {
      if (!isKernel(stacks.frame(slot, i), stacks.frameSize(slot))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Stores a fragment, merged after the one already waiting under the same key; returns its slot.
   */
  int add(long time, int tid, long[] frames, int count, int frameSize) {
    int slot = stacks.find(time, tid);
    if (slot >= 0) {
      if (!stacks.append(slot, frames, count)) {
        counters.increment(SourceCounters.STACKS_TRUNCATED);
      }
      counters.increment(SourceCounters.STACKS_MERGED);
      return slot;
    }
    dropped[0] = 0;
    slot = stacks.put(time, tid, frames, count, frameSize, dropped);
    counters.add(SourceCounters.STACKS_UNMATCHED, dropped[0]);
    return slot;
  }

  /**
   * Appends a user-only fragment to every kernel-only fragment of {@code tid} older than {@code
   * time}; calls {@code completed} with each such (time) and returns how many there were.
   */
  int completeKernelHalves(
      int tid, long time, long[] frames, int count, java.util.function.LongConsumer completed) {
    int done = 0;
    for (int slot = 0; slot < stacks.capacity(); slot++) {
      if (stacks.used(slot)
          && stacks.thread(slot) == tid
          && stacks.time(slot) < time
          && !complete(slot)) {
        if (!stacks.append(slot, frames, count)) {
          counters.increment(SourceCounters.STACKS_TRUNCATED);
        }
        counters.increment(SourceCounters.STACKS_MERGED);
        done++;
        completed.accept(stacks.time(slot));
      }
    }
    return done;
  }

  /** Interns the fragment's frames (kernel ones dropped unless asked for) and frees its slot. */
  int take(int slot) {
    int size = stacks.frameSize(slot);
    int kept = 0;
    for (int i = 0; i < stacks.length(slot); i++) {
      long frame = stacks.frame(slot, i);
      if (includeKernelFrames || !isKernel(frame, size)) {
        scratch[kept++] = frame;
      }
    }
    stacks.remove(slot);
    return intern(kept);
  }

  /** Interns frames that came with their event (extended data), kernel ones dropped. */
  int internDirect(long[] frames, int count, int frameSize) {
    int kept = 0;
    for (int i = 0; i < count; i++) {
      if (includeKernelFrames || !isKernel(frames[i], frameSize)) {
        scratch[kept++] = frames[i];
      }
    }
    return intern(kept);
  }

  /** The thread has moved on: its fragments older than {@code time} belong to no event. */
  void dropOlder(int tid, long time) {
    counters.add(SourceCounters.STACKS_UNMATCHED, stacks.dropOlder(tid, time));
  }

  /** At the end: every fragment still waiting is unmatched. */
  void clear() {
    counters.add(SourceCounters.STACKS_UNMATCHED, stacks.clear());
  }

  private int intern(int frames) {
    int id = sink.internStack(scratch, 0, frames);
    return id >= 0 ? id : PendingEvents.INTERN_FAILED;
  }
}
