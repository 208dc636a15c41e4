package io.leakdetector.etw.decode;

/**
 * Stacks that arrived before their heap event, keyed by (raw timestamp, thread). A few entries with
 * their frames in one flat arena; when full, the oldest entry makes room.
 */
final class PendingStacks {
  private final int maxFrames;
  private final long[] time;
  private final int[] thread;
  private final int[] length;
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
   * Stores a stack; returns false when the oldest entry had to be dropped to make room (the caller
   * counts it unmatched).
   */
  boolean put(long eventTime, int eventThread, long[] source, int frameCount) {
    boolean dropped = false;
    int slot = freeSlot();
    if (slot < 0) {
      slot = oldest();
      remove(slot);
      dropped = true;
    }
    used[slot] = true;
    time[slot] = eventTime;
    thread[slot] = eventThread;
    length[slot] = Math.min(frameCount, maxFrames);
    order[slot] = nextOrder++;
    System.arraycopy(source, 0, frames, slot * maxFrames, length[slot]);
    count++;
    return !dropped;
  }

  /** Copies the entry's frames into {@code target} and returns how many. */
  int copy(int slot, long[] target) {
    System.arraycopy(frames, slot * maxFrames, target, 0, length[slot]);
    return length[slot];
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
