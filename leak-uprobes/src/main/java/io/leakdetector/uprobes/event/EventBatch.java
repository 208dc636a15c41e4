package io.leakdetector.uprobes.event;

import java.util.Arrays;

/**
 * Decoded events of one or more drains, held in parallel primitive columns until they are processed
 * in time order. Events are appended as they come out of the per-CPU rings, sorted by time (stable
 * for equal times) and processed up to a cut-off; the rest is carried over into the next batch.
 * Nothing here allocates per event; arrays grow (doubling) when a burst needs it.
 */
public final class EventBatch {
  /** An entry probe hit: {@code v0..v2} are the first three arguments. */
  public static final int ENTRY = 1;

  /**
   * A return probe hit: {@code v0} the result, its stack in the frame arena (the callchain, or what
   * the {@link ReturnStacks} made of the sample's registers and stack copy); for posix_memalign
   * {@code v1} the stack pointer, {@code v2} the length of a stack dump kept at {@code aux} in the
   * dump arena ({@code aux} -1 when none) and {@code v3} the second result register.
   */
  public static final int RETURN = 2;

  /** {@code v0} events were lost. */
  public static final int LOST = 3;

  /** Thread {@code tid} exited. */
  public static final int EXIT = 4;

  /** The process started a new program: every block of the old one is gone. */
  public static final int EXEC = 5;

  private static final int INDEX_BITS = 24;
  private static final long MAX_RELATIVE_TIME = (1L << (63 - INDEX_BITS)) - 1;

  /** The most events a batch holds before it must be processed. */
  public static final int MAX_EVENTS = 1 << INDEX_BITS;

  long[] time;
  int[] tid;
  int[] type;
  int[] site;
  long[] v0;
  long[] v1;
  long[] v2;
  long[] v3;
  int[] frameAt;
  int[] frameCount;
  int[] aux;
  int count;

  long[] frames = new long[1 << 12];
  int framesUsed;

  byte[] dumps = new byte[4096];
  int dumpsUsed;

  private long[] order;

  public EventBatch(int capacity) {
    allocate(Math.max(16, capacity));
  }

  private void allocate(int capacity) {
    time = new long[capacity];
    tid = new int[capacity];
    type = new int[capacity];
    site = new int[capacity];
    v0 = new long[capacity];
    v1 = new long[capacity];
    v2 = new long[capacity];
    v3 = new long[capacity];
    frameAt = new int[capacity];
    frameCount = new int[capacity];
    aux = new int[capacity];
    order = new long[capacity];
  }

  public int count() {
    return count;
  }

  public boolean full() {
    return count >= MAX_EVENTS;
  }

  /** Appends an event and returns its index. */
  public int add(int eventType, long timeNanos, int threadId, int siteIndex) {
    if (count == time.length) {
      grow();
    }
    int i = count++;
    time[i] = timeNanos;
    tid[i] = threadId;
    type[i] = eventType;
    site[i] = siteIndex;
    v0[i] = 0;
    v1[i] = 0;
    v2[i] = 0;
    v3[i] = 0;
    frameAt[i] = 0;
    frameCount[i] = 0;
    aux[i] = -1;
    return i;
  }

  /** Reserves {@code length} bytes in the dump arena; returns their offset. */
  public int reserveDump(int length) {
    if (dumpsUsed + length > dumps.length) {
      dumps = Arrays.copyOf(dumps, Math.max(dumps.length * 2, dumpsUsed + length));
    }
    int at = dumpsUsed;
    dumpsUsed += length;
    return at;
  }

  /** Appends the callchain of return event {@code i}. */
  public void setFrames(int i, long[] source, int length) {
    if (framesUsed + length > frames.length) {
      frames = Arrays.copyOf(frames, Math.max(frames.length * 2, framesUsed + length));
    }
    System.arraycopy(source, 0, frames, framesUsed, length);
    frameAt[i] = framesUsed;
    frameCount[i] = length;
    framesUsed += length;
  }

  /** The frame arena; event {@code i}'s callchain is at {@link #frameAt}, {@link #frameCount}. */
  public long[] frames() {
    return frames;
  }

  public int frameAt(int i) {
    return frameAt[i];
  }

  public int frameCount(int i) {
    return frameCount[i];
  }

  public byte[] dumps() {
    return dumps;
  }

  public long time(int i) {
    return time[i];
  }

  public int tid(int i) {
    return tid[i];
  }

  public int type(int i) {
    return type[i];
  }

  public int site(int i) {
    return site[i];
  }

  public long v0(int i) {
    return v0[i];
  }

  public long v1(int i) {
    return v1[i];
  }

  public long v2(int i) {
    return v2[i];
  }

  public long v3(int i) {
    return v3[i];
  }

  public void setV3(int i, long value) {
    v3[i] = value;
  }

  public int aux(int i) {
    return aux[i];
  }

  public void setValues(int i, long a, long b, long c) {
    v0[i] = a;
    v1[i] = b;
    v2[i] = c;
  }

  public void setAux(int i, int value) {
    aux[i] = value;
  }

  /**
   * Sorts the events by time (ties keep their insertion order) into the order array.
   *
   * @return how many leading events of the sorted order have a time before {@code cutoff}
   */
  public int sort(long cutoff) {
    if (count == 0) {
      return 0;
    }
    long base = Long.MAX_VALUE;
    for (int i = 0; i < count; i++) {
      base = Math.min(base, time[i]);
    }
    for (int i = 0; i < count; i++) {
      long relative = Math.min(time[i] - base, MAX_RELATIVE_TIME);
      order[i] = (relative << INDEX_BITS) | i;
    }
    Arrays.sort(order, 0, count);
    int ready = 0;
    while (ready < count && time[indexAt(ready)] < cutoff) {
      ready++;
    }
    return ready;
  }

  /** The index of the {@code k}-th event in sorted order (after {@link #sort}). */
  public int indexAt(int k) {
    return (int) (order[k] & ((1L << INDEX_BITS) - 1));
  }

  /**
   * Moves the sorted events from position {@code from} on into {@code next} (which must be empty),
   * then empties this batch.
   */
  public void carryOver(int from, EventBatch next) {
    for (int k = from; k < count; k++) {
      int i = indexAt(k);
      int j = next.add(type[i], time[i], tid[i], site[i]);
      next.v0[j] = v0[i];
      next.v1[j] = v1[i];
      next.v2[j] = v2[i];
      next.v3[j] = v3[i];
      if (frameCount[i] > 0) {
        int length = frameCount[i];
        if (next.framesUsed + length > next.frames.length) {
          next.frames =
              Arrays.copyOf(
                  next.frames, Math.max(next.frames.length * 2, next.framesUsed + length));
        }
        System.arraycopy(frames, frameAt[i], next.frames, next.framesUsed, length);
        next.frameAt[j] = next.framesUsed;
        next.frameCount[j] = length;
        next.framesUsed += length;
      }
      if (aux[i] >= 0 && type[i] == RETURN) {
        int length = (int) v2[i];
        int at = next.reserveDump(length);
        System.arraycopy(dumps, aux[i], next.dumps, at, length);
        next.aux[j] = at;
      } else {
        next.aux[j] = aux[i];
      }
    }
    clear();
  }

  /** Appends every event of this batch, unsorted, to {@code next}, then empties this batch. */
  public void moveAllTo(EventBatch next) {
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    carryOver(0, next);
  }

  public void clear() {
    count = 0;
    dumpsUsed = 0;
    framesUsed = 0;
  }

  private void grow() {
    int capacity = time.length * 2;
    time = Arrays.copyOf(time, capacity);
    tid = Arrays.copyOf(tid, capacity);
    type = Arrays.copyOf(type, capacity);
    site = Arrays.copyOf(site, capacity);
    v0 = Arrays.copyOf(v0, capacity);
    v1 = Arrays.copyOf(v1, capacity);
    v2 = Arrays.copyOf(v2, capacity);
    v3 = Arrays.copyOf(v3, capacity);
    frameAt = Arrays.copyOf(frameAt, capacity);
    frameCount = Arrays.copyOf(frameCount, capacity);
    aux = Arrays.copyOf(aux, capacity);
    order = new long[capacity];
  }
}
