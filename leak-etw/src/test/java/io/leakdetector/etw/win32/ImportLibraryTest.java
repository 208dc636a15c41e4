package io.leakdetector.etw.win32;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every function of each JNA interface is exported by the DLL's mingw-w64 import library. */
class ImportLibraryTest {

  static List<String> functions(Class<?> library) {
    List<String> names = new ArrayList<>();
    for (Method method : library.getDeclaredMethods()) {
      if (Modifier.isAbstract(method.getModifiers())) {
        names.add(method.getName());
      }
    }
    return names;
  }

  static void assertExported(Class<?> library, String importLibrary, int expectedCount) {
    List<String> functions = functions(library);
    assertThat(functions).hasSize(expectedCount);
    Set<String> exports = Mingw.exports(importLibrary);
    for (String function : functions) {
      assertThat(exports)
          .as("%s exports %s", importLibrary, function)
          .contains(function, "__imp_" + function);
    }
  }

  @Test
  void advapi32FunctionsAreInLibadvapi32() {
    assertExported(Advapi32.class, "libadvapi32.a", 5);
  }

  @Test
  void kernel32FunctionsAreInLibkernel32() {
    assertExported(Kernel32.class, "libkernel32.a", 11);
  }

  @Test
  void aMisspelledNameWouldFail() {
    assertThat(Mingw.exports("libadvapi32.a")).doesNotContain("StartTrace_W", "OpenTraceX");
  }
}
