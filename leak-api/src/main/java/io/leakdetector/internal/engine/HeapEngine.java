package io.leakdetector.internal.engine;

import io.leakdetector.EventCounts;
import io.leakdetector.HeapTotals;
import io.leakdetector.SortOrder;
import io.leakdetector.spi.HeapEventSink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The aggregation engine: keeps every outstanding allocation and per-stack totals, and hands out
 * consistent snapshots from any thread.
 *
 * <p>First, simple version (collections based); the primitive-array version replaces it.
 */
public final class HeapEngine implements HeapEventSink {
  private record Key(long heap, long address) {}

  private record Block(long size, int stackId, long timeNanos) {}

  private final EngineConfig config;
  private final Object lock = new Object();
  private final Map<List<Long>, Integer> stackIds = new HashMap<>();
  private final List<long[]> stacks = new ArrayList<>();
  private final Map<Key, Block> blocks = new HashMap<>();
  private long[] counters = new long[64];
  private long[] baselineCount = new long[0];
  private long[] baselineBytes = new long[0];
  private long unmatched;
  private long implied;
  private final AtomicLong lost = new AtomicLong();
  private long lostMark;

  public HeapEngine(EngineConfig config) {
    this.config = config;
  }

  @Override
  public int internStack(long[] frames, int offset, int length) {
    List<Long> key = new ArrayList<>(length);
    for (int i = 0; i < length; i++) {
      key.add(frames[offset + i]);
    }
    synchronized (lock) {
      Integer id = stackIds.get(key);
      if (id != null) {
        return id;
      }
      int newId = stacks.size();
      stacks.add(Arrays.copyOfRange(frames, offset, offset + length));
      stackIds.put(key, newId);
      if (counters.length < 4 * (newId + 1)) {
        counters = Arrays.copyOf(counters, counters.length * 2);
      }
      return newId;
    }
  }

  private boolean included(long size) {
    return size >= config.minSize() && size <= config.maxSize();
  }

  private void remove(Key key) {
    Block old = blocks.remove(key);
    if (old == null) {
      unmatched++;
      return;
    }
    if (included(old.size())) {
      counters[4 * old.stackId() + 1]++;
      counters[4 * old.stackId() + 3] += old.size();
    }
  }

  private void add(long timeNanos, Key key, long size, int stackId) {
    if (stackId < 0 || stackId >= stacks.size()) {
      throw new IllegalArgumentException("unknown stack id " + stackId);
    }
    if (blocks.containsKey(key)) {
      implied++;
      remove(key);
    }
    blocks.put(key, new Block(size, stackId, timeNanos));
    if (included(size)) {
      counters[4 * stackId]++;
      counters[4 * stackId + 2] += size;
    }
  }

  @Override
  public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
    if (address == 0) {
      return;
    }
    synchronized (lock) {
      add(timeNanos, new Key(heap, address), size, stackId);
    }
  }

  @Override
  public void onFree(long timeNanos, long heap, long address) {
    if (address == 0) {
      return;
    }
    synchronized (lock) {
      remove(new Key(heap, address));
    }
  }

  @Override
  public void onRealloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId) {
    synchronized (lock) {
      if (oldAddress != 0) {
        remove(new Key(heap, oldAddress));
      }
      if (newAddress != 0) {
        add(timeNanos, new Key(heap, newAddress), newSize, stackId);
      }
    }
  }

  @Override
  public void onHeapDestroy(long timeNanos, long heap) {
    synchronized (lock) {
      Iterator<Map.Entry<Key, Block>> it = blocks.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<Key, Block> e = it.next();
        if (e.getKey().heap() == heap) {
          Block old = e.getValue();
          it.remove();
          if (included(old.size())) {
            counters[4 * old.stackId() + 1]++;
            counters[4 * old.stackId() + 3] += old.size();
          }
        }
      }
    }
  }

  @Override
  public void onLost(long count) {
    lost.addAndGet(count);
  }

  /** Nothing to record: the session observes the end of the stream. */
  @Override
  public void onTargetExit(int exitCode) {}

  /** Nothing to record: the session observes the end of the stream. */
  @Override
  public void onSourceFailure(String message) {}

  /** Takes a consistent snapshot; may be called from any thread. */
  public EngineSnapshot snapshot(SnapshotQuery query) {
    synchronized (lock) {
      int n = stacks.size();
      long[] oc = new long[n];
      long[] ob = new long[n];
      for (int i = 0; i < n; i++) {
        if (query.olderThanNanos() <= 0) {
          oc[i] = counters[4 * i] - counters[4 * i + 1];
          ob[i] = counters[4 * i + 2] - counters[4 * i + 3];
        }
      }
      if (query.olderThanNanos() > 0) {
        for (Block b : blocks.values()) {
          if (included(b.size()) && query.nowNanos() - b.timeNanos() >= query.olderThanNanos()) {
            oc[b.stackId()]++;
            ob[b.stackId()] += b.size();
          }
        }
      }
      if (baselineCount.length < n) {
        baselineCount = Arrays.copyOf(baselineCount, n);
        baselineBytes = Arrays.copyOf(baselineBytes, n);
      }
      long ta = 0, tf = 0, tab = 0, tfb = 0, toc = 0, tob = 0;
      int withOutstanding = 0;
      List<RawStack> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ta += counters[4 * i];
        tf += counters[4 * i + 1];
        tab += counters[4 * i + 2];
        tfb += counters[4 * i + 3];
        toc += oc[i];
        tob += ob[i];
        if (oc[i] > 0) {
          withOutstanding++;
        }
        if (oc[i] >= query.minOutstanding()) {
          all.add(
              new RawStack(
                  i,
                  counters[4 * i],
                  counters[4 * i + 1],
                  counters[4 * i + 2],
                  counters[4 * i + 3],
                  oc[i],
                  ob[i],
                  oc[i] - baselineCount[i],
                  ob[i] - baselineBytes[i],
                  stacks.get(i).clone()));
        }
      }
      Comparator<RawStack> order =
          switch (query.sort() == null ? SortOrder.COUNT : query.sort()) {
            case COUNT -> Comparator.comparingLong(RawStack::outstandingCount).reversed();
            case BYTES -> Comparator.comparingLong(RawStack::outstandingBytes).reversed();
            case GROWTH -> Comparator.comparingLong(RawStack::growthBytes).reversed();
          };
      all.sort(order.thenComparingInt(RawStack::id));
      List<RawStack> top =
          query.topN() > 0 && all.size() > query.topN() ? all.subList(0, query.topN()) : all;
      long lostNow = lost.get();
      EventCounts counts = new EventCounts(lostNow, lostNow - lostMark, unmatched, implied, 0);
      if (query.periodic()) {
        System.arraycopy(oc, 0, baselineCount, 0, n);
        System.arraycopy(ob, 0, baselineBytes, 0, n);
        lostMark = lostNow;
      }
      return new EngineSnapshot(
          new HeapTotals(ta, tf, tab, tfb, toc, tob, withOutstanding), counts, List.copyOf(top));
    }
  }
}
