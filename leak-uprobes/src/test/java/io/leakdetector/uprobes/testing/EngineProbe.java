package io.leakdetector.uprobes.testing;

import io.leakdetector.SortOrder;
import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.internal.engine.SnapshotQuery;
import io.leakdetector.spi.HeapEventSink;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The real {@link HeapEngine} as the sink, with a latch for the fixture's marker allocation and for
 * the end of the stream.
 */
public final class EngineProbe implements HeapEventSink {
  private final HeapEngine engine = new HeapEngine(EngineConfig.DEFAULT);
  private final long markerSize;
  private final CountDownLatch marker = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  public volatile int exitCode = Integer.MIN_VALUE;
  public volatile String failure;

  public EngineProbe(long markerSize) {
    this.markerSize = markerSize;
  }

  public EngineSnapshot snapshotAll() {
    return engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 1, 0, System.nanoTime(), false));
  }

  /** Every stack, also those with nothing outstanding. */
  public EngineSnapshot snapshotEveryStack() {
    return engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, System.nanoTime(), false));
  }

  public boolean awaitMarker(long seconds) throws InterruptedException {
    return marker.await(seconds, TimeUnit.SECONDS);
  }

  public boolean awaitEnd(long seconds) throws InterruptedException {
    return ended.await(seconds, TimeUnit.SECONDS);
  }

  @Override
  public int internStack(long[] frames, int offset, int length) {
    return engine.internStack(frames, offset, length);
  }

  @Override
  public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
    engine.onAlloc(timeNanos, heap, address, size, stackId);
    if (size == markerSize) {
      marker.countDown();
    }
  }

  @Override
  public void onFree(long timeNanos, long heap, long address) {
    engine.onFree(timeNanos, heap, address);
  }

  @Override
  public void onRealloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId) {
    engine.onRealloc(timeNanos, heap, oldAddress, newAddress, newSize, stackId);
  }

  @Override
  public void onHeapDestroy(long timeNanos, long heap) {
    engine.onHeapDestroy(timeNanos, heap);
  }

  @Override
  public void onLost(long count) {
    engine.onLost(count);
  }

  @Override
  public void onTargetExit(int code) {
    exitCode = code;
    ended.countDown();
  }

  @Override
  public void onSourceFailure(String message) {
    failure = message;
    ended.countDown();
  }

  @Override
  public void beginBatch() {
    engine.beginBatch();
  }

  @Override
  public void endBatch() {
    engine.endBatch();
  }
}
