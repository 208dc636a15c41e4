package io.leakdetector.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link HeapEventSink#NONE} and {@link StreamListener#NONE}. */
class NoneTest {

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("io.leakdetector.spi.SpiMethods#noneCalls")
  void takesEveryCall(Object none, Method method) {
    assertThatCode(() -> method.invoke(none, SpiMethods.arguments(method)))
        .doesNotThrowAnyException();
  }

  @Test
  void everyStackGetsIdZero() {
    long[] frames = {0x10, 0x20, 0x30, 0x40};
    assertThat(HeapEventSink.NONE.internStack(frames, 0, 4)).isZero();
    assertThat(HeapEventSink.NONE.internStack(frames, 1, 2)).isZero();
    assertThat(HeapEventSink.NONE.internStack(frames, 0, 0)).isZero();
  }

  @Test
  void keepsNothingAcrossCalls() {
    HeapEventSink none = HeapEventSink.NONE;
    none.beginBatch();
    none.onAlloc(1, 0, 0x1000, 64, none.internStack(new long[] {0x10}, 0, 1));
    none.onRealloc(2, 0, 0x1000, 0x2000, 128, 0);
    none.onLost(3);
    none.endBatch();
    none.endBatch(); // unbalanced: nothing to release
    none.onFree(3, 0, 0x2000);
    none.onHeapDestroy(4, 7);

    assertThat(none.internStack(new long[] {0x99}, 0, 1)).isZero();
    assertThat(none).hasToString("HeapEventSink.NONE");
    assertThat(StreamListener.NONE).hasToString("StreamListener.NONE");
  }

  @Test
  void aForwardingSinkInFrontOfNoneOnlyWatches() {
    class FreeCounter extends ForwardingHeapEventSink {
      int frees;

      FreeCounter() {
        super(HeapEventSink.NONE);
      }

      @Override
      public void onFree(long timeNanos, long heap, long address) {
        frees++;
        super.onFree(timeNanos, heap, address);
      }
    }
    FreeCounter counter = new FreeCounter();
    counter.onAlloc(1, 0, 0x1000, 8, counter.internStack(new long[] {1}, 0, 1));
    counter.onFree(2, 0, 0x1000);
    counter.onFree(3, 0, 0x1000);

    assertThat(counter.frees).isEqualTo(2);
    assertThat(counter.delegate()).isSameAs(HeapEventSink.NONE);
  }
}
