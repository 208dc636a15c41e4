package io.leakdetector.spi;

/**
 * Told what happens to a source's stream besides heap events: the modules the target maps, the
 * target's exit and the source's failure. Heap events themselves go to a {@link HeapEventSink}.
 *
 * <p>The split is by kind of call, not by topic: the sink's callbacks come for every event, take
 * primitives only and must allocate nothing, while these come rarely, carry objects (a {@link
 * ModuleMapping}, a sentence) and may allocate. So module mappings are here rather than in a
 * listener of their own, and a source is started with two objects, {@link
 * HeapEventSource#start(HeapEventSink, StreamListener) start(sink, listener)}.
 *
 * <p>Every method does nothing by default; {@link #NONE} ignores everything.
 */
public interface StreamListener {

  /**
   * A file was mapped into the target, so that addresses in it can be resolved. Called from the
   * source's threads, possibly while heap events are delivered on another; a source with more than
   * one reading thread may call it from two at once (etw: its heap and image consumers). Must not
   * block for long.
   */
  default void onModuleMapped(ModuleMapping mapping) {}

  /**
   * The traced process exited; no further heap events will come. May be called from any thread.
   *
   * @param exitCode its exit status, or -1 when unknown
   */
  default void onTargetExit(int exitCode) {}

  /**
   * The source failed and stopped delivering heap events. May be called from any thread.
   *
   * @param message one sentence for the user
   */
  default void onSourceFailure(String message) {}

  /** Ignores everything. */
  StreamListener NONE =
      new StreamListener() {
        @Override
        public String toString() {
          return "StreamListener.NONE";
        }
      };
}
