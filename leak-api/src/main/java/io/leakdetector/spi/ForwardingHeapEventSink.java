package io.leakdetector.spi;

import java.util.Objects;

/**
 * A sink that passes every call on to another sink, unchanged, in the caller's thread: the base of
 * a sink that does something of its own on some events (counts them, waits for one, records them)
 * and leaves the rest to its delegate. A subclass overrides what it watches and calls {@code super}
 * to pass the event on; one that only counts or watches forwards to {@link HeapEventSink#NONE}.
 *
 * <p>Every method of {@link HeapEventSink}, the default ones included, is forwarded, so a burst
 * opened with {@link #beginBatch()} reaches the delegate too. Threading is the delegate's: this
 * class adds no lock and no state besides the delegate.
 */
public abstract class ForwardingHeapEventSink implements HeapEventSink {
  private final HeapEventSink delegate;

  /**
   * @param delegate where every call goes
   */
  protected ForwardingHeapEventSink(HeapEventSink delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The sink every call is passed on to. */
  protected final HeapEventSink delegate() {
    return delegate;
  }

  @Override
  public int internStack(long[] frames, int offset, int length) {
    return delegate.internStack(frames, offset, length);
  }

  @Override
  public boolean splitsByThread() {
    return delegate.splitsByThread();
  }

  @Override
  public int internThreadName(String name) {
    return delegate.internThreadName(name);
  }

  @Override
  public int internStack(long[] frames, int offset, int length, int threadNameId) {
    return delegate.internStack(frames, offset, length, threadNameId);
  }

  @Override
  public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
    delegate.onAlloc(timeNanos, heap, address, size, stackId);
  }

  @Override
  public void onFree(long timeNanos, long heap, long address) {
    delegate.onFree(timeNanos, heap, address);
  }

  @Override
  public void onRealloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId) {
    delegate.onRealloc(timeNanos, heap, oldAddress, newAddress, newSize, stackId);
  }

  @Override
  public void onHeapDestroy(long timeNanos, long heap) {
    delegate.onHeapDestroy(timeNanos, heap);
  }

  @Override
  public void onLost(long count) {
    delegate.onLost(count);
  }

  @Override
  public void beginBatch() {
    delegate.beginBatch();
  }

  @Override
  public void endBatch() {
    delegate.endBatch();
  }
}
