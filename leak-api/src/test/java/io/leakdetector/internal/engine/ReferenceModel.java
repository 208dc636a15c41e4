package io.leakdetector.internal.engine;

import io.leakdetector.SortOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The engine's semantics written the plain way, with a {@link HashMap} of blocks: the reference the
 * property test compares the engine against.
 */
final class ReferenceModel {
  record Key(long heap, long address) {}

  record Block(long size, int stack, long timeNanos) {}

  /** One stack's expected row. */
  record Row(
      int id,
      long allocCount,
      long freeCount,
      long allocBytes,
      long freeBytes,
      long outstandingCount,
      long outstandingBytes,
      long growthCount,
      long growthBytes) {}

  private final long minSize;
  private final long maxSize;
  final Map<Key, Block> live = new HashMap<>();
  final List<long[]> counters = new ArrayList<>();
  final Map<Integer, long[]> baselines = new HashMap<>();
  long unmatched;
  long implied;
  long lost;
  long lostMark;

  ReferenceModel(long minSize, long maxSize) {
    this.minSize = minSize;
    this.maxSize = maxSize;
  }

  void addStack() {
    counters.add(new long[4]);
  }

  private boolean counted(long size) {
    return size >= minSize && size <= maxSize;
  }

  private void countFree(Block b) {
    if (counted(b.size())) {
      counters.get(b.stack())[1]++;
      counters.get(b.stack())[3] += b.size();
    }
  }

  void alloc(long t, long heap, long address, long size, int stack) {
    if (address == 0) {
      return;
    }
    Block old = live.put(new Key(heap, address), new Block(size, stack, t));
    if (old != null) {
      implied++;
      countFree(old);
    }
    if (counted(size)) {
      counters.get(stack)[0]++;
      counters.get(stack)[2] += size;
    }
  }

  void free(long heap, long address) {
    if (address == 0) {
      return;
    }
    Block old = live.remove(new Key(heap, address));
    if (old == null) {
      unmatched++;
    } else {
      countFree(old);
    }
  }

  void realloc(long t, long heap, long oldAddress, long newAddress, long newSize, int stack) {
    if (newAddress == 0) {
      if (newSize == 0) {
        free(heap, oldAddress);
      }
      return;
    }
    if (oldAddress != 0) {
      free(heap, oldAddress);
    }
    alloc(t, heap, newAddress, newSize, stack);
  }

  void destroy(long heap) {
    Iterator<Map.Entry<Key, Block>> it = live.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Key, Block> e = it.next();
      if (e.getKey().heap() == heap) {
        countFree(e.getValue());
        it.remove();
      }
    }
  }

  /** Every stack's row; with {@code bornBy} not null only blocks born by then are outstanding. */
  List<Row> rows(Long bornBy) {
    int n = counters.size();
    long[] oc = new long[n];
    long[] ob = new long[n];
    for (int id = 0; id < n; id++) {
      long[] c = counters.get(id);
      oc[id] = c[0] - c[1];
      ob[id] = c[2] - c[3];
    }
    if (bornBy != null) {
      java.util.Arrays.fill(oc, 0);
      java.util.Arrays.fill(ob, 0);
      for (Block b : live.values()) {
        if (counted(b.size()) && b.timeNanos() <= bornBy) {
          oc[b.stack()]++;
          ob[b.stack()] += b.size();
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int id = 0; id < n; id++) {
      long[] c = counters.get(id);
      long[] base = baselines.getOrDefault(id, new long[2]);
      rows.add(
          new Row(id, c[0], c[1], c[2], c[3], oc[id], ob[id], oc[id] - base[0], ob[id] - base[1]));
    }
    return rows;
  }

  /** The rows a snapshot with these settings lists, in its order. */
  List<Row> select(List<Row> rows, SortOrder sort, int topN, long minOutstanding) {
    Comparator<Row> order =
        switch (sort) {
          case COUNT -> Comparator.comparingLong(Row::outstandingCount);
          case BYTES -> Comparator.comparingLong(Row::outstandingBytes);
          case GROWTH -> Comparator.comparingLong(Row::growthBytes);
        };
    List<Row> chosen =
        new ArrayList<>(
            rows.stream()
                .filter(r -> r.outstandingCount() >= minOutstanding)
                .sorted(order.reversed().thenComparingInt(Row::id))
                .toList());
    return topN > 0 && chosen.size() > topN ? chosen.subList(0, topN) : chosen;
  }

  /** What a periodic snapshot does to the model: moves the baselines and the lost mark. */
  void periodic(List<Row> rows) {
    for (Row r : rows) {
      baselines.put(r.id(), new long[] {r.outstandingCount(), r.outstandingBytes()});
    }
    lostMark = lost;
  }
}
