package io.leakdetector.uprobes.testing;

import io.leakdetector.SortOrder;
import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.internal.engine.SnapshotQuery;
import io.leakdetector.spi.ForwardingHeapEventSink;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.StreamListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The real {@link HeapEngine} as the sink, with a latch for the fixture's marker allocation; as the
 * stream listener it keeps the modules mapped and has a latch for the end of the stream. A test
 * starts a source with {@code source.start(probe, probe)}.
 */
public final class EngineProbe extends ForwardingHeapEventSink implements StreamListener {
  private final HeapEngine engine;
  private final long markerSize;
  private final CountDownLatch marker = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  public final List<ModuleMapping> mappings = new CopyOnWriteArrayList<>();
  public volatile int exitCode = Integer.MIN_VALUE;
  public volatile String failure;

  public EngineProbe(long markerSize) {
    this(new HeapEngine(EngineConfig.DEFAULT), markerSize);
  }

  private EngineProbe(HeapEngine engine, long markerSize) {
    super(engine);
    this.engine = engine;
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
  public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
    super.onAlloc(timeNanos, heap, address, size, stackId);
    if (size == markerSize) {
      marker.countDown();
    }
  }

  @Override
  public void onModuleMapped(ModuleMapping mapping) {
    mappings.add(mapping);
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
}
