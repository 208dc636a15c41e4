package io.leakdetector.spi;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The instance methods of an SPI interface, default ones included, with distinct arguments to call
 * them with, so that a test covers a method added later without being changed.
 */
final class SpiMethods {
  private SpiMethods() {}

  /** For {@code @MethodSource("io.leakdetector.spi.SpiMethods#heapEventSink")}. */
  static List<Method> heapEventSink() {
    return of(HeapEventSink.class);
  }

  /** For {@code @MethodSource("io.leakdetector.spi.SpiMethods#streamListener")}. */
  static List<Method> streamListener() {
    return of(StreamListener.class);
  }

  static List<Method> of(Class<?> type) {
    return Arrays.stream(type.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()))
        .sorted(Comparator.comparing(Method::toString))
        .toList();
  }

  /** Each SPI interface's {@code NONE} with each of that interface's methods. */
  static Stream<Arguments> noneCalls() {
    return Stream.concat(
        heapEventSink().stream().map(m -> Arguments.of(HeapEventSink.NONE, m)),
        streamListener().stream().map(m -> Arguments.of(StreamListener.NONE, m)));
  }

  /** Arguments for {@code method}, each different from the others and from 0. */
  static Object[] arguments(Method method) {
    Class<?>[] types = method.getParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      args[i] = value(types[i], i + 1);
    }
    return args;
  }

  /** What a recording delegate returns from a method of this return type: null for void. */
  static Object result(Class<?> type) {
    return type == void.class ? null : value(type, 42);
  }

  private static Object value(Class<?> type, int n) {
    if (type == long.class) {
      return 0x1000L * n + n;
    }
    if (type == int.class) {
      return 10 * n + n;
    }
    if (type == long[].class) {
      return new long[] {0x7f00L + n, 0x7f10L + n, 0x7f20L + n};
    }
    if (type == boolean.class) {
      return true; // not the default methods' false
    }
    if (type == String.class) {
      return "argument " + n;
    }
    if (type == ModuleMapping.class) {
      return new ModuleMapping(0x1000L * n, 0x2000L * n, n, "/lib/m" + n + ".so");
    }
    throw new AssertionError("no sample argument of type " + type + "; add one here");
  }
}
