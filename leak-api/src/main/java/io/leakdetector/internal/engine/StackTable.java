package io.leakdetector.internal.engine;

import java.util.Arrays;

/**
 * Interns call stacks to dense {@code int} ids (0, 1, 2, … in order of first appearance). A stack
 * is its frames and the id of the allocating thread's name ({@link ThreadNameTable}; 0 when stacks
 * are not split by thread): equal frames of two thread names are two stacks.
 *
 * <p>All frames live in one flat {@code long[]} arena, stack {@code id} at {@code [starts[id],
 * starts[id + 1])}. An open-addressing hash (power-of-two slots holding {@code id + 1}, load at
 * most 1/2) over the frames finds a stack; each stack's hash is kept so that a probe compares
 * frames only on an equal hash, and growth does not rehash frames. Looking up a known stack
 * allocates nothing; adding one may grow the arrays.
 *
 * <p>The arena and the starts array only ever grow by copying, and a stack's frames never change
 * once written, so a {@link View} taken under the engine's lock stays valid to read without it.
 *
 * <p>Not thread-safe: the engine guards {@link #add}.
 */
final class StackTable {
  /** The stacks known at one moment, readable from another thread once published. */
  record View(long[] arena, int[] starts, int[] threads, int count) {
    long[] frames(int id) {
      return Arrays.copyOfRange(arena, starts[id], starts[id + 1]);
    }

    int thread(int id) {
      return threads[id];
    }
  }

  private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;
  private static final long THREAD_KEY = 0xD6E8FEB86659FD93L;

  /** A random odd multiplier per frame position (positions past the table reuse it). */
  private static final long[] POSITION_KEYS = new long[256];

  static {
    long state = 0x2545F4914F6CDD1DL;
    for (int i = 0; i < POSITION_KEYS.length; i++) {
      state += MULTIPLIER;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      POSITION_KEYS[i] = (z ^ (z >>> 31)) | 1;
    }
  }

  private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

  private long[] arena;
  private int arenaUsed;
  private int[] starts;
  private int[] threads;
  private int count;
  private long[] slots;
  private int lastHash;

  StackTable() {
    arena = new long[1024];
    starts = new int[65];
    threads = new int[64];
    slots = new long[128];
  }

  /** Stacks interned so far; ids run from 0 to this, exclusive. */
  int count() {
    return count;
  }

  /** The present state, for a reader on another thread. */
  View view() {
    return new View(arena, starts, threads, count);
  }

  /** How many frames stack {@code id} has. */
  int length(int id) {
    return starts[id + 1] - starts[id];
  }

  /** The thread name id stack {@code id} was interned with. */
  int thread(int id) {
    return threads[id];
  }

  /** A copy of stack {@code id}'s frames. */
  long[] frames(int id) {
    return Arrays.copyOfRange(arena, starts[id], starts[id + 1]);
  }

  static int hash(long[] frames, int offset, int length) {
    return hash(frames, offset, length, 0);
  }

  static int hash(long[] frames, int offset, int length, int thread) {
    // A sum of products with a different odd key per position: the multiplies are independent
    // of each other, so a deep stack hashes at about one frame per cycle, and stacks that differ
    // in one frame always differ in the sum.
    long[] keys = POSITION_KEYS;
    long h = length * MULTIPLIER + thread * THREAD_KEY;
    for (int i = 0; i < length; i++) {
      h += frames[offset + i] * keys[i & 255];
    }
    h ^= h >>> 32;
    h *= MULTIPLIER;
    return (int) (h ^ (h >>> 29));
  }

  /**
   * Finds a stack.
   *
   * @return its id, or {@code -1 - slot} of the empty slot where {@link #add} puts it
   */
  int find(long[] frames, int offset, int length) {
    return find(frames, offset, length, 0);
  }

  /** Finds the stack of these frames and thread name id; as {@link #find(long[], int, int)}. */
  int find(long[] frames, int offset, int length, int thread) {
    int h = hash(frames, offset, length, thread);
    lastHash = h;
    long[] s = slots;
    int mask = s.length - 1;
    int i = h & mask;
    while (true) {
      long entry = s[i];
      if (entry == 0) {
        return -1 - i;
      }
      if ((int) (entry >>> 32) == h) {
        int id = (int) entry - 1;
        int start = starts[id];
        if (starts[id + 1] - start == length
            && threads[id] == thread
            && Arrays.equals(arena, start, start + length, frames, offset, offset + length)) {
          return id;
        }
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Adds the stack that the latest {@link #find} did not find.
   *
   * @param notFound that call's result
   * @return the new id, or -1 when memory ran short
   */
  int add(int notFound, long[] frames, int offset, int length) {
    return add(notFound, frames, offset, length, 0);
  }

  /** Adds the stack of these frames and thread name id that the latest {@link #find} missed. */
  int add(int notFound, long[] frames, int offset, int length, int thread) {
    int slot = -1 - notFound;
    int h = lastHash;
    try {
      if (arenaUsed + (long) length > arena.length) {
        long wanted = Math.max((long) arena.length * 2, (long) arenaUsed + length);
        if (arenaUsed + (long) length > MAX_ARRAY) {
          return -1;
        }
        arena = Arrays.copyOf(arena, (int) Math.min(wanted, MAX_ARRAY));
      }
      if (count + 1 == starts.length) {
        if (count >= MAX_ARRAY / 2) {
          return -1;
        }
        starts = Arrays.copyOf(starts, count * 2 + 1);
      }
      if (count == threads.length) {
        threads = Arrays.copyOf(threads, count * 2);
      }
      if (2 * (count + 1) > slots.length) {
        if (slots.length >= 1 << 30) {
          return -1;
        }
        slots = rehash(slots.length * 2);
        slot = -1 - probeEmpty(h);
      }
    } catch (OutOfMemoryError e) {
      return -1;
    }
    int id = count;
    System.arraycopy(frames, offset, arena, arenaUsed, length);
    arenaUsed += length;
    starts[id + 1] = arenaUsed;
    threads[id] = thread;
    slots[slot] = slotEntry(h, id);
    count = id + 1;
    return id;
  }

  private static long slotEntry(int hash, int id) {
    return ((long) hash << 32) | (id + 1);
  }

  private int probeEmpty(int h) {
    int mask = slots.length - 1;
    int i = h & mask;
    while (slots[i] != 0) {
      i = (i + 1) & mask;
    }
    return -1 - i;
  }

  private long[] rehash(int newLength) {
    long[] fresh = new long[newLength];
    int mask = newLength - 1;
    for (long entry : slots) {
      if (entry != 0) {
        int i = (int) (entry >>> 32) & mask;
        while (fresh[i] != 0) {
          i = (i + 1) & mask;
        }
        fresh[i] = entry;
      }
    }
    return fresh;
  }

  /** Bytes of Java heap the table's arrays take (headers not counted). */
  long retainedBytes() {
    return 8L * (arena.length + slots.length) + 4L * (starts.length + threads.length);
  }
}
