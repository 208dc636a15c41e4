package io.leakdetector.internal.engine;

import java.util.Arrays;

/**
 * Interns call stacks to dense {@code int} ids (0, 1, 2, … in order of first appearance).
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
  record View(long[] arena, int[] starts, int count) {
    long[] frames(int id) {
      return Arrays.copyOfRange(arena, starts[id], starts[id + 1]);
    }
  }

  private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

  private long[] arena;
  private int arenaUsed;
  private int[] starts;
  private int[] hashes;
  private int count;
  private int[] slots;
  private int lastHash;

  StackTable() {
    arena = new long[1024];
    starts = new int[65];
    hashes = new int[64];
    slots = new int[128];
  }

  /** Stacks interned so far; ids run from 0 to this, exclusive. */
  int count() {
    return count;
  }

  /** The present state, for a reader on another thread. */
  View view() {
    return new View(arena, starts, count);
  }

  /** How many frames stack {@code id} has. */
  int length(int id) {
    return starts[id + 1] - starts[id];
  }

  /** A copy of stack {@code id}'s frames. */
  long[] frames(int id) {
    return Arrays.copyOfRange(arena, starts[id], starts[id + 1]);
  }

  static int hash(long[] frames, int offset, int length) {
    // The multiplies are independent, only rotate-xor is chained: hashing a deep stack is not
    // one long dependency chain of multiplies.
    long h = length;
    for (int i = offset, end = offset + length; i < end; i++) {
      h = Long.rotateLeft(h, 7) ^ (frames[i] * MULTIPLIER);
    }
    h *= MULTIPLIER;
    return (int) (h ^ (h >>> 32));
  }

  /**
   * Finds a stack.
   *
   * @return its id, or {@code -1 - slot} of the empty slot where {@link #add} puts it
   */
  int find(long[] frames, int offset, int length) {
    int h = hash(frames, offset, length);
    lastHash = h;
    int[] s = slots;
    int mask = s.length - 1;
    int i = h & mask;
    while (true) {
      int entry = s[i];
      if (entry == 0) {
        return -1 - i;
      }
      int id = entry - 1;
      if (hashes[id] == h) {
        int start = starts[id];
        if (starts[id + 1] - start == length
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
      if (count == hashes.length) {
        if (count >= MAX_ARRAY / 2) {
          return -1;
        }
        int grown = count * 2;
        hashes = Arrays.copyOf(hashes, grown);
        starts = Arrays.copyOf(starts, grown + 1);
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
    hashes[id] = h;
    slots[slot] = id + 1;
    count = id + 1;
    return id;
  }

  private int probeEmpty(int h) {
    int mask = slots.length - 1;
    int i = h & mask;
    while (slots[i] != 0) {
      i = (i + 1) & mask;
    }
    return -1 - i;
  }

  private int[] rehash(int newLength) {
    int[] fresh = new int[newLength];
    int mask = newLength - 1;
    for (int id = 0; id < count; id++) {
      int i = hashes[id] & mask;
      while (fresh[i] != 0) {
        i = (i + 1) & mask;
      }
      fresh[i] = id + 1;
    }
    return fresh;
  }

  /** Bytes of Java heap the table's arrays take (headers not counted). */
  long retainedBytes() {
    return 8L * arena.length + 4L * (starts.length + hashes.length + slots.length);
  }
}
