package io.leakdetector.spi;

/**
 * Where a source delivers decoded heap events: data only. What happens to the stream besides heap
 * events (modules mapped, the target's exit, the source's failure) goes to a {@link
 * StreamListener}.
 *
 * <p>Times are nanoseconds on the clock of {@link System#nanoTime()} (on Linux {@code
 * CLOCK_MONOTONIC}; a source whose events carry another clock converts). {@code heap} is the heap
 * handle on platforms that have one (Windows) and 0 elsewhere; a block is keyed by (heap, address).
 *
 * <p>Except where a method says otherwise, calls come from one thread at a time, in the order the
 * events happened in the target. A source that delivers events in bursts may bracket each burst
 * with {@link #beginBatch()} and {@link #endBatch()}, so that the sink takes its lock once per
 * burst; a burst should stay short (a few thousand events) so that snapshots are not held up.
 *
 * <p>A sink that ignores events is {@link #NONE}; a sink that passes events on to another, doing
 * something of its own on some of them, extends {@link ForwardingHeapEventSink}.
 */
public interface HeapEventSink {

  /**
   * Interns a call stack and returns its id. Equal frame sequences get the same id.
   *
   * @param frames return addresses, innermost first
   * @param offset where the stack starts in {@code frames}
   * @param length how many frames it has (0 for an unknown stack)
   */
  int internStack(long[] frames, int offset, int length);

  /**
   * Whether this sink tells stacks apart by the name of the thread that allocated. Only then does a
   * source that knows the allocating thread look up thread names, intern them with {@link
   * #internThreadName} and pass the id to {@link #internStack(long[], int, int, int)}.
   */
  default boolean splitsByThread() {
    return false;
  }

  /**
   * Interns the name of an allocating thread and returns its id (0 when this sink does not split
   * stacks by thread). A source calls it once per thread it sees (again when the name may have
   * changed), not per event.
   */
  default int internThreadName(String name) {
    return 0;
  }

  /**
   * Interns a call stack made by a thread whose name has id {@code threadNameId} (from {@link
   * #internThreadName}). Equal frames with different thread names get different ids when the sink
   * splits stacks by thread. Frees and reallocs are still matched by address only.
   */
  default int internStack(long[] frames, int offset, int length, int threadNameId) {
    return internStack(frames, offset, length);
  }

  /** A block of {@code size} bytes was allocated at {@code address} on stack {@code stackId}. */
  void onAlloc(long timeNanos, long heap, long address, long size, int stackId);

  /** The block at {@code address} was freed. An unknown address is counted, never an error. */
  void onFree(long timeNanos, long heap, long address);

  /**
   * A block was resized: a free of {@code oldAddress} and an allocation of {@code newSize} bytes at
   * {@code newAddress} on stack {@code stackId}. Both addresses are equal when it was resized in
   * place.
   */
  void onRealloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId);

  /** A heap was destroyed: every block still live on it is freed. */
  void onHeapDestroy(long timeNanos, long heap);

  /** The operating system dropped {@code count} events. May be called from any thread. */
  void onLost(long count);

  /** Starts a burst of calls; see the class description. */
  default void beginBatch() {}

  /** Ends a burst of calls started by {@link #beginBatch()}. */
  default void endBatch() {}

  /**
   * Ignores every event and keeps nothing; every stack gets id 0. For a source run without a
   * consumer (a warm-up, a benchmark of the source alone), and as the delegate of a {@link
   * ForwardingHeapEventSink} that only counts or watches events.
   */
  HeapEventSink NONE =
      new HeapEventSink() {
        @Override
        public int internStack(long[] frames, int offset, int length) {
          return 0;
        }

        @Override
        public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {}

        @Override
        public void onFree(long timeNanos, long heap, long address) {}

        @Override
        public void onRealloc(
            long timeNanos,
            long heap,
            long oldAddress,
            long newAddress,
            long newSize,
            int stackId) {}

        @Override
        public void onHeapDestroy(long timeNanos, long heap) {}

        @Override
        public void onLost(long count) {}

        @Override
        public String toString() {
          return "HeapEventSink.NONE";
        }
      };
}
