package io.leakdetector.export.otel;

import io.leakdetector.Frame;
import java.util.List;
import java.util.Optional;

/**
 * Picks the Java method that names a leaking stack of a JVM: the innermost Java method frame
 * ({@link Frame#javaMethod()}) whose class is not the JDK's ({@code java.}, {@code javax.}, {@code
 * jdk.}, {@code sun.}, {@code com.sun.}), else the innermost Java method frame. A {@code Deflater}
 * kept without {@code end()} is so named by the application method that made it ({@code
 * Leaky.leakDeflaters}), not by {@code java.util.zip.Deflater.<init>}.
 */
public final class JavaMethod {
  private JavaMethod() {}

  private static final List<String> JDK_PACKAGES =
      List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

  /** The method's qualified name, or empty when no frame of the stack is a Java method. */
  public static Optional<String> of(List<Frame> frames) {
    String innermost = null;
    for (Frame frame : frames) {
      if (frame.javaMethod()) {
        if (!isJdk(frame.function())) {
          return Optional.of(frame.function());
        }
        if (innermost == null) {
          innermost = frame.function();
        }
      }
    }
    return Optional.ofNullable(innermost);
  }

  private static boolean isJdk(String method) {
    // hidden classes are named with slashes in perf maps: jdk/internal/reflect/...
    String name = method.replace('/', '.');
    for (String prefix : JDK_PACKAGES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
