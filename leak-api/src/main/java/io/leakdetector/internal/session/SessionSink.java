package io.leakdetector.internal.session;

import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.spi.HeapEventSink;

/**
 * The sink a source feeds: heap events go straight to the engine, the end of the stream goes to the
 * session.
 */
final class SessionSink implements HeapEventSink {
  /** What the session does when the stream ends. */
  interface EndListener {
    void targetExited(int exitCode);

    void sourceFailed(String message);
  }

  private final HeapEngine engine;
  private final EndListener end;

  SessionSink(HeapEngine engine, EndListener end) {
    this.engine = engine;
    this.end = end;
  }

  @Override
  public int internStack(long[] frames, int offset, int length) {
    return engine.internStack(frames, offset, length);
  }

  @Override
  public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
    engine.onAlloc(timeNanos, heap, address, size, stackId);
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
  public void beginBatch() {
    engine.beginBatch();
  }

  @Override
  public void endBatch() {
    engine.endBatch();
  }

  @Override
  public void onTargetExit(int exitCode) {
    end.targetExited(exitCode);
  }

  @Override
  public void onSourceFailure(String message) {
    end.sourceFailed(message);
  }
}
