package io.leakdetector.uprobes.event;

import java.util.Arrays;

/**
 * A map from non-zero {@code long} keys to {@code int} values over two primitive arrays (open
 * addressing, linear probing, backward-shift deletion). No boxing and no allocation except when it
 * grows.
 */
public final class LongIntMap {
  private long[] keys;
  private int[] values;
  private int size;
  private int mask;

  public LongIntMap(int expected) {
    int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
    keys = new long[capacity];
    values = new int[capacity];
    mask = capacity - 1;
  }

  public int size() {
    return size;
  }

  private static int hash(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  /** The value of {@code key}, or {@code missing} when absent. */
  public int get(long key, int missing) {
    int i = hash(key) & mask;
    while (true) {
      long k = keys[i];
      if (k == key) {
        return values[i];
      }
      if (k == 0) {
        return missing;
      }
      i = (i + 1) & mask;
    }
  }

  public void put(long key, int value) {
    if (key == 0) {
      throw new IllegalArgumentException("key 0");
    }
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    int i = hash(key) & mask;
    while (keys[i] != 0 && keys[i] != key) {
      i = (i + 1) & mask;
    }
    if (keys[i] == 0) {
      size++;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** Removes {@code key}; returns its value or {@code missing}. */
  public int remove(long key, int missing) {
    int i = hash(key) & mask;
    while (keys[i] != key) {
      if (keys[i] == 0) {
        return missing;
      }
      i = (i + 1) & mask;
    }
    int value = values[i];
    // backward-shift: move later entries of the cluster into the hole
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      if (keys[j] == 0) {
        break;
      }
      int home = hash(keys[j]) & mask;
      boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!between) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = 0;
    size--;
    return value;
  }

  public void clear() {
    Arrays.fill(keys, 0);
    size = 0;
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new int[oldKeys.length * 2];
    mask = keys.length - 1;
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }
}
