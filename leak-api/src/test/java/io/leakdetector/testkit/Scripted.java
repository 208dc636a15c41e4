package io.leakdetector.testkit;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicInteger;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.InvocationHandlerAdapter;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * Implements a large JNA interface (jna-platform's Kernel32, Advapi32, …) with the few methods a
 * test scripts: each call goes to the handler's public method of the same name and parameter types;
 * a call the test did not script fails the test.
 *
 * <p>Not {@link java.lang.reflect.Proxy}: a proxy class initialises its interfaces, and
 * jna-platform's interfaces load their DLL when initialised ({@code INSTANCE}), which fails off
 * Windows. A class generated with Byte Buddy does not initialise them (they have no default
 * methods). It is defined in the caller's package through the caller's lookup, so it may implement
 * the interfaces the caller's module reads.
 */
public final class Scripted {
  private static final AtomicInteger COUNT = new AtomicInteger();

  private Scripted() {}

  /**
   * An implementation of {@code type} whose calls go to {@code handler}.
   *
   * @param lookup the caller's {@code MethodHandles.lookup()}
   */
  public static <T> T as(MethodHandles.Lookup lookup, Class<T> type, Object handler) {
    InvocationHandler dispatch =
        (self, method, args) -> {
          Method target;
          try {
            target = handler.getClass().getMethod(method.getName(), method.getParameterTypes());
          } catch (NoSuchMethodException e) {
            throw new AssertionError("unscripted call " + method);
          }
          try {
            return target.invoke(handler, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    try {
      Class<?> generated =
          new ByteBuddy()
              .subclass(Object.class)
              .name(
                  lookup.lookupClass().getPackageName()
                      + ".Scripted$"
                      + type.getSimpleName()
                      + COUNT.incrementAndGet())
              .implement(type)
              .method(ElementMatchers.isAbstract())
              .intercept(InvocationHandlerAdapter.of(dispatch))
              .make()
              .load(type.getClassLoader(), ClassLoadingStrategy.UsingLookup.of(lookup))
              .getLoaded();
      return type.cast(generated.getDeclaredConstructor().newInstance());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
