package io.leakdetector.symbols.demangle;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * C++ names (Itanium ABI: {@code _Z…}, and {@code _GLOBAL__I_…}/{@code _GLOBAL__D_…}) through
 * {@code abi::__cxa_demangle} of libstdc++, bound with JNA. Its output is {@code c++filt -i}'s
 * (both are libiberty's demangler; {@code __cxa_demangle} never expands {@code std::string}).
 *
 * <p>The demangler keeps its parse tree in arrays on the native stack, about 72 bytes per character
 * of the name; since GCC 9 it refuses names longer than {@link #MAX_LENGTH} bytes for that reason
 * (so does {@code c++filt} unless given {@code -r}). Such names are not passed at all, which keeps
 * an older libstdc++ without that limit from overflowing the caller's stack. The returned buffer,
 * allocated with {@code malloc}, is released with the C library's {@code free} ({@link
 * Native#free}). {@code __cxa_demangle} is reentrant: instances are thread-safe.
 */
final class ItaniumDemangler {
  static final String LIBRARY = "libstdc++.so.6";
  static final int MAX_LENGTH = 1024;

  private final Function cxaDemangle;
  private final String problem;

  private ItaniumDemangler(Function cxaDemangle, String problem) {
    this.cxaDemangle = cxaDemangle;
    this.problem = problem;
  }

  /** Binds {@code __cxa_demangle} of {@code library}; an unloadable one gives an unavailable. */
  static ItaniumDemangler load(String library) {
    try {
      return new ItaniumDemangler(
          NativeLibrary.getInstance(library).getFunction("__cxa_demangle"), null);
    } catch (LinkageError | RuntimeException e) {
      return new ItaniumDemangler(
          null,
          "C++ names stay mangled: __cxa_demangle of "
              + library
              + " could not be loaded ("
              + reason(e)
              + ").");
    }
  }

  /** The loader's own words (dlerror's line of JNA's several-line message), else the first. */
  private static String reason(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    String[] lines = message.strip().split("\n");
    String line = lines.length > 1 && !lines[1].isBlank() ? lines[1] : lines[0];
    return line.strip().replaceAll("[.:]+$", "");
  }

  boolean available() {
    return cxaDemangle != null;
  }

  /** Why C++ names stay mangled, when they do. */
  Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  /** Whether {@code name} is one this demangler takes, as {@code c++filt} decides. */
  static boolean isMangled(String name) {
    if (name.startsWith("_Z")) {
      return true;
    }
    return name.length() > 10
        && name.startsWith("_GLOBAL_")
        && ".$_".indexOf(name.charAt(8)) >= 0
        && (name.charAt(9) == 'D' || name.charAt(9) == 'I')
        && name.charAt(10) == '_';
  }

  /** The demangled name, or null when it is not a C++ name or this demangler is unavailable. */
  String demangle(String name) {
    if (cxaDemangle == null || !isMangled(name)) {
      return null;
    }
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_LENGTH) {
      return null;
    }
    byte[] cString = Arrays.copyOf(bytes, bytes.length + 1); // NUL-terminated
    int[] status = new int[1];
    Pointer demangled = cxaDemangle.invokePointer(new Object[] {cString, null, null, status});
    if (demangled == null) {
      return null; // status -1: out of memory, -2: not a valid name
    }
    try {
      return status[0] == 0 ? demangled.getString(0, StandardCharsets.UTF_8.name()) : null;
    } finally {
      Native.free(Pointer.nativeValue(demangled));
    }
  }
}
