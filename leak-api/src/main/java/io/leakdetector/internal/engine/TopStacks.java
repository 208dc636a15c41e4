package io.leakdetector.internal.engine;

/**
 * Picks the best {@code limit} stack ids by a key, largest key first and, on equal keys, smaller id
 * first, without sorting all candidates: a bounded binary heap whose root is the worst id kept, so
 * that picking the top 10 of 100 000 stacks costs about one comparison per candidate.
 *
 * <p>Reusable: {@link #reset} before each selection. Not thread-safe.
 */
final class TopStacks {
  private int[] heap = new int[16];
  private int size;
  private int limit;
  private long[] keys;

  /**
   * Starts a selection.
   *
   * @param limit how many ids to keep at most
   * @param keys the key of each id
   */
  void reset(int limit, long[] keys) {
    this.limit = limit;
    this.keys = keys;
    this.size = 0;
    if (heap.length < Math.min(limit, 1 << 20)) {
      heap = new int[Math.min(limit, 1 << 20)];
    }
  }

  /** Whether {@code a} goes before {@code b}. */
  private boolean better(int a, int b) {
    long ka = keys[a];
    long kb = keys[b];
    return ka > kb || (ka == kb && a < b);
  }

  /** Offers one id. */
  void offer(int id) {
    if (size < limit) {
      if (size == heap.length) {
        heap = java.util.Arrays.copyOf(heap, (int) Math.min(2L * size, limit));
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (!better(heap[parent], id)) {
          break;
        }
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = id;
    } else if (limit > 0 && better(id, heap[0])) {
      siftDown(id, size);
    }
  }

  /** Places {@code id} at the root and sifts it down within the first {@code n} entries. */
  private void siftDown(int id, int n) {
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      // The worse child rises: the root is the worst id kept.
      if (child + 1 < n && better(heap[child], heap[child + 1])) {
        child++;
      }
      if (!better(id, heap[child])) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = id;
  }

  /** The ids kept, best first. Ends the selection. */
  int[] result() {
    int[] out = new int[size];
    for (int n = size; n > 0; n--) {
      int worst = heap[0];
      out[n - 1] = worst;
      int last = heap[n - 1];
      if (n > 1) {
        siftDown(last, n - 1);
      }
    }
    size = 0;
    return out;
  }
}
