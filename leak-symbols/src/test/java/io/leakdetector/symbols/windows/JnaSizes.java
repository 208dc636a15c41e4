package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.Structure;
import com.sun.jna.WString;
import com.sun.jna.ptr.ByReference;

/** The bytes JNA passes for a parameter or result of a Java type on 64-bit Windows. */
final class JnaSizes {
  private JnaSizes() {}

  static long of(Class<?> type) {
    if (type == void.class) {
      return 0;
    }
    if (type == int.class || type == boolean.class) {
      return 4; // JNA passes a boolean as a 32-bit int (a WINBOOL)
    }
    if (type == long.class) {
      return 8;
    }
    if (type == short.class) {
      return 2;
    }
    if (type == byte.class) {
      return 1;
    }
    boolean byValue = Structure.ByValue.class.isAssignableFrom(type);
    if (!byValue
        && (Pointer.class.isAssignableFrom(type)
            || PointerType.class.isAssignableFrom(type)
            || ByReference.class.isAssignableFrom(type)
            || Structure.class.isAssignableFrom(type)
            || type == String.class
            || type == WString.class
            || type.isArray())) {
      return 8; // a pointer
    }
    throw new AssertionError("no size rule for " + type);
  }
}
