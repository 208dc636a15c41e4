package io.leakdetector.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ForwardingHeapEventSinkTest {
  /** One call the delegate received. */
  private record Call(Method method, List<Object> arguments) {}

  private final List<Call> received = new ArrayList<>();

  /** A delegate that records every call, default methods included. */
  private final HeapEventSink recorder =
      (HeapEventSink)
          Proxy.newProxyInstance(
              HeapEventSink.class.getClassLoader(),
              new Class<?>[] {HeapEventSink.class},
              (proxy, method, args) -> {
                switch (method.getName()) {
                  case "equals":
                    return proxy == args[0];
                  case "hashCode":
                    return System.identityHashCode(proxy);
                  case "toString":
                    return "recording delegate";
                  default:
                    break;
                }
                received.add(new Call(method, args == null ? List.of() : Arrays.asList(args)));
                return SpiMethods.result(method.getReturnType());
              });

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.leakdetector.spi.SpiMethods#heapEventSink")
  void declaresEveryMethodOfTheSinkItself(Method method) throws Exception {
    // A default method inherited from the interface would do nothing instead of forwarding.
    Method own =
        ForwardingHeapEventSink.class.getDeclaredMethod(
            method.getName(), method.getParameterTypes());
    assertThat(own.getDeclaringClass()).isEqualTo(ForwardingHeapEventSink.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.leakdetector.spi.SpiMethods#heapEventSink")
  void forwardsEachCallOnceWithItsArgumentsAndResult(Method method) throws Exception {
    HeapEventSink forwarding = new ForwardingHeapEventSink(recorder) {};
    Object[] args = SpiMethods.arguments(method);

    Object result = method.invoke(forwarding, args);

    assertThat(received).containsExactly(new Call(method, Arrays.asList(args)));
    assertThat(result).isEqualTo(SpiMethods.result(method.getReturnType()));
  }

  @Test
  void aSubclassWatchesSomeEventsAndPassesThemOn() {
    class AllocCounter extends ForwardingHeapEventSink {
      long allocs;

      AllocCounter(HeapEventSink delegate) {
        super(delegate);
      }

      @Override
      public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
        allocs++;
        super.onAlloc(timeNanos, heap, address, size, stackId);
      }
    }
    AllocCounter counter = new AllocCounter(recorder);

    counter.beginBatch();
    int stack = counter.internStack(new long[] {1, 2}, 0, 2);
    counter.onAlloc(5, 0, 0x1000, 64, stack);
    counter.onFree(6, 0, 0x1000);
    counter.endBatch();

    assertThat(counter.allocs).isEqualTo(1);
    assertThat(counter.delegate()).isSameAs(recorder);
    assertThat(received)
        .extracting(call -> call.method().getName())
        .containsExactly("beginBatch", "internStack", "onAlloc", "onFree", "endBatch");
    assertThat(received.get(2).arguments())
        .containsExactly(5L, 0L, 0x1000L, 64L, SpiMethods.result(int.class));
  }

  @Test
  void needsADelegate() {
    assertThatThrownBy(() -> new ForwardingHeapEventSink(null) {})
        .isInstanceOf(NullPointerException.class)
        .hasMessage("delegate");
  }
}
