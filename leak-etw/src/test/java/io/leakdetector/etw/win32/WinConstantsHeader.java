package io.leakdetector.etw.win32;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates etw_constants.h (included by etw_layout.c) from Java constant classes: for each public
 * static final int or long field NAME, {@code const__NAME} when the headers define the macro NAME,
 * else {@code missing__NAME}.
 */
final class WinConstantsHeader {
  private WinConstantsHeader() {}

  /** The Java values by name of every numeric constant of the classes. */
  static Map<String, Number> constants(Class<?>... holders) {
    Map<String, Number> constants = new LinkedHashMap<>();
    for (Class<?> holder : holders) {
      for (Field field : holder.getDeclaredFields()) {
        int modifiers = field.getModifiers();
        boolean numeric = field.getType() == int.class || field.getType() == long.class;
        if (Modifier.isStatic(modifiers)
            && Modifier.isFinal(modifiers)
            && Modifier.isPublic(modifiers)
            && numeric) {
          try {
            constants.put(field.getName(), (Number) field.get(null));
          } catch (IllegalAccessException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return constants;
  }

  static String header(Iterable<String> names) {
    List<String> lines = new ArrayList<>();
    for (String name : names) {
      lines.add("#ifdef " + name);
      lines.add("FACT(const__" + name + ", (LONG_PTR)(" + name + "))");
      lines.add("#else");
      lines.add("FACT(missing__" + name + ", 0)");
      lines.add("#endif");
    }
    return String.join("\n", lines) + "\n";
  }
}
