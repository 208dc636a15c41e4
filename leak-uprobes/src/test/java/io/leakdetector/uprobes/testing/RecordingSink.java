package io.leakdetector.uprobes.testing;

import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.StreamListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A plain reference model of a sink for tests: live blocks in a HashMap, stacks in a list. It also
 * remembers when an allocation of a marker size arrived and, as the stream listener, how the stream
 * ended. A test starts a source with {@code source.start(sink, sink)}.
 */
public final class RecordingSink implements HeapEventSink, StreamListener {
  /** A live block. */
  public record Block(long size, int stack) {}

  private final Map<List<Long>, Integer> stackIds = new HashMap<>();
  private final List<long[]> stacks = new ArrayList<>();
  private final Map<Long, Block> live = new HashMap<>();
  private final long markerSize;
  private final CountDownLatch marker = new CountDownLatch(1);
  private final CountDownLatch exited = new CountDownLatch(1);
  public long allocs;
  public long frees;
  public long reallocs;
  public long unmatchedFrees;
  public long impliedFrees;
  public volatile long lost;
  public volatile int exitCode = Integer.MIN_VALUE;
  public volatile String failure;

  public RecordingSink(long markerSize) {
    this.markerSize = markerSize;
  }

  @Override
  public synchronized int internStack(long[] frames, int offset, int length) {
    long[] copy = Arrays.copyOfRange(frames, offset, offset + length);
    List<Long> key = new ArrayList<>();
    for (long f : copy) {
      key.add(f);
    }
    return stackIds.computeIfAbsent(
        key,
        k -> {
          stacks.add(copy);
          return stacks.size() - 1;
        });
  }

  @Override
  public synchronized void onAlloc(
      long timeNanos, long heap, long address, long size, int stackId) {
    allocs++;
    if (live.put(address, new Block(size, stackId)) != null) {
      impliedFrees++;
    }
    if (size == markerSize) {
      marker.countDown();
    }
  }

  @Override
  public synchronized void onFree(long timeNanos, long heap, long address) {
    frees++;
    if (live.remove(address) == null) {
      unmatchedFrees++;
    }
  }

  @Override
  public synchronized void onRealloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId) {
    reallocs++;
    if (live.remove(oldAddress) == null) {
      unmatchedFrees++;
    }
    if (live.put(newAddress, new Block(newSize, stackId)) != null) {
      impliedFrees++;
    }
  }

  @Override
  public void onHeapDestroy(long timeNanos, long heap) {}

  @Override
  public void onLost(long count) {
    synchronized (this) {
      lost += count;
    }
  }

  @Override
  public void onTargetExit(int code) {
    exitCode = code;
    exited.countDown();
  }

  @Override
  public void onSourceFailure(String message) {
    failure = message;
    exited.countDown();
  }

  public boolean awaitMarker(long seconds) throws InterruptedException {
    return marker.await(seconds, TimeUnit.SECONDS);
  }

  public boolean awaitExit(long seconds) throws InterruptedException {
    return exited.await(seconds, TimeUnit.SECONDS);
  }

  public synchronized Map<Long, Block> live() {
    return new HashMap<>(live);
  }

  public synchronized long[] stack(int id) {
    return stacks.get(id).clone();
  }
}
