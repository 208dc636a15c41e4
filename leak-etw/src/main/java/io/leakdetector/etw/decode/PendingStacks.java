package io.leakdetector.etw.decode;

/**
 * Stack fragments waiting for their heap event or for their other half, keyed by (raw timestamp,
 * thread): a stack that arrived before its event, or the kernel-only first fragment of a split
 * stack. A few entries with their frames (as logged, kernel frames included) in one flat arena;
 * when full, the oldest entry makes room.
 */
final class PendingStacks {
  private final int maxFrames;
  private final long[] time;
  private final int[] thread;
  private final int[] length;
  private final int[] frameSize;
  private final long[] order;
  private final boolean[] used;
  private final long[] frames;
  private long nextOrder;
  private int count;

  PendingStacks(int capacity, int maxFrames) {
    this.maxFrames = maxFrames;
    time = new long[capacity];
    thread = new int[capacity];
    length = new int[capacity];
    frameSize = new int[capacity];
    order = new long[capacity];
    used = new boolean[capacity];
    frames = new long[capacity * maxFrames];
  }

  int count() {
    return count;
  }

  int capacity() {
    return used.length;
  }

  boolean used(int slot) {
    return used[slot];
  }

  long time(int slot) {
    return time[slot];
  }

  int thread(int slot) {
    return thread[slot];
  }

  int length(int slot) {
    return length[slot];
  }

  int frameSize(int slot) {
    return frameSize[slot];
  }

  long frame(int slot, int index) {
    return frames[slot * maxFrames + index];
  }

  /** The entry for (eventTime, eventThread), or -1. */
  int find(long eventTime, int eventThread) {
    if (count == 0) {
      return -1;
    }
    for (int i = 0; i < used.length; i++) {
      if (used[i] && time[i] == eventTime && thread[i] == eventThread) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Stores a fragment in a new entry and returns its slot; when the table is full the oldest entry
   * is dropped first, and {@code dropped} tells the caller (who counts it unmatched).
   */
  int put(long eventTime, int eventThread, long[] source, int frameCount, int size, int[] dropped) {
    int slot = freeSlot();
    if (slot < 0) {
      slot = oldest();
      remove(slot);
      dropped[0]++;
    }
    used[slot] = true;
    time[slot] = eventTime;
    thread[slot] = eventThread;
    frameSize[slot] = size;
    order[slot] = nextOrder++;
    length[slot] = 0;
    count++;
    append(slot, source, frameCount);
    return slot;
  }

  /** Appends frames to an entry (the user half after the kernel half); false if some were cut. */
  boolean append(int slot, long[] source, int frameCount) {
    int room = maxFrames - length[slot];
    int n = Math.min(room, frameCount);
    System.arraycopy(source, 0, frames, slot * maxFrames + length[slot], n);
    length[slot] += n;
    return n == frameCount;
  }

  void remove(int slot) {
    if (used[slot]) {
      used[slot] = false;
      count--;
    }
  }

  /**
   * Drops the entries of {@code eventThread} older than {@code eventTime}: that thread has moved
   * on, so their events will not come. Returns how many were dropped.
   */
  int dropOlder(int eventThread, long eventTime) {
    if (count == 0) {
      return 0;
    }
    int dropped = 0;
    for (int i = 0; i < used.length; i++) {
      if (used[i] && thread[i] == eventThread && time[i] < eventTime) {
        remove(i);
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops every entry; returns how many there were. */
  int clear() {
    int dropped = count;
    for (int i = 0; i < used.length; i++) {
      used[i] = false;
    }
    count = 0;
    return dropped;
  }

  private int freeSlot() {
    if (count == used.length) {
      return -1;
    }
    for (int i = 0; i < used.length; i++) {
      if (!used[i]) {
        return i;
      }
    }
    return -1;
  }

  private int oldest() {
    int oldest = -1;
    for (int i = 0; i < used.length; i++) {
      if (used[i] && (oldest < 0 || order[i] < order[oldest])) {
        oldest = i;
      }
    }
    return oldest;
  }
}
