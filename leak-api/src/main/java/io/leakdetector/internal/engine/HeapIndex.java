package io.leakdetector.internal.engine;

/**
 * Maps heap handles to small indexes, so that the allocation table stores an {@code int} instead of
 * a {@code long} per block, and Linux (heap 0 always) stores nothing. Heap 0 has index 0; other
 * heaps get 1, 2, … and a destroyed heap's index is used again.
 *
 * <p>An open-addressing hash over primitive arrays with backward-shift deletion. Not thread-safe.
 */
final class HeapIndex {
  /** Returned by {@link #find} for a heap never seen. */
  static final int UNKNOWN = -1;

  private long[] handles = new long[16];
  private int[] indexes = new int[16];
  private int size;
  private int nextIndex = 1;
  private int[] freeIndexes = new int[8];
  private int freeCount;
  private long lastHandle;
  private int lastIndex;

  private static int home(long handle, int mask) {
    long h = handle * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 32) & mask;
  }

  /** The index of {@code heap}, or {@link #UNKNOWN}. */
  int find(long heap) {
    if (heap == 0) {
      return 0;
    }
    if (heap == lastHandle) {
      return lastIndex;
    }
    int mask = handles.length - 1;
    int i = home(heap, mask);
    while (true) {
      long h = handles[i];
      if (h == heap) {
        lastHandle = heap;
        lastIndex = indexes[i];
        return lastIndex;
      }
      if (h == 0) {
        return UNKNOWN;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * The index of {@code heap}, assigning one if it has none; {@link #UNKNOWN} if memory ran short.
   */
  int findOrAdd(long heap) {
    int found = find(heap);
    if (found != UNKNOWN) {
      return found;
    }
    if (2 * (size + 1) > handles.length) {
      try {
        rehash(handles.length * 2);
      } catch (OutOfMemoryError e) {
        return UNKNOWN;
      }
    }
    int index;
    if (freeCount > 0) {
      index = freeIndexes[--freeCount];
    } else {
      index = nextIndex++;
    }
    int mask = handles.length - 1;
    int i = home(heap, mask);
    while (handles[i] != 0) {
      i = (i + 1) & mask;
    }
    handles[i] = heap;
    indexes[i] = index;
    size++;
    lastHandle = heap;
    lastIndex = index;
    return index;
  }

  /** Forgets {@code heap}; its index may be given to another heap. */
  void release(long heap) {
    if (heap == 0) {
      return;
    }
    int mask = handles.length - 1;
    int i = home(heap, mask);
    while (handles[i] != heap) {
      if (handles[i] == 0) {
        return;
      }
      i = (i + 1) & mask;
    }
    if (freeCount == freeIndexes.length) {
      freeIndexes = java.util.Arrays.copyOf(freeIndexes, 2 * freeCount);
    }
    freeIndexes[freeCount++] = indexes[i];
    size--;
    if (lastHandle == heap) {
      lastHandle = 0;
    }
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      long h = handles[j];
      if (h == 0) {
        break;
      }
      int home = home(h, mask);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        handles[hole] = h;
        indexes[hole] = indexes[j];
        hole = j;
      }
    }
    handles[hole] = 0;
    indexes[hole] = 0;
  }

  private void rehash(int length) {
    long[] oldHandles = handles;
    int[] oldIndexes = indexes;
    long[] newHandles = new long[length];
    int[] newIndexes = new int[length];
    handles = newHandles;
    indexes = newIndexes;
    int mask = length - 1;
    for (int s = 0; s < oldHandles.length; s++) {
      if (oldHandles[s] != 0) {
        int i = home(oldHandles[s], mask);
        while (handles[i] != 0) {
          i = (i + 1) & mask;
        }
        handles[i] = oldHandles[s];
        indexes[i] = oldIndexes[s];
      }
    }
  }
}
