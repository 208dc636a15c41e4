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
    assertExported(EventTracing.class, "libadvapi32.a", 6);
  }

  @Test
  void kernel32AdditionsAreInLibkernel32() {
    assertExported(Kernel32Ex.class, "libkernel32.a", 2);
  }

  /**
   * The jna-platform functions the source calls, by the name JNA looks up on Windows (its function
   * mapper appends W where a wide variant exists).
   */
  @Test
  void theJnaPlatformFunctionsWeCallAreInTheImportLibraries() {
    Set<String> kernel32 = Mingw.exports("libkernel32.a");
    assertThat(kernel32)
        .contains(
            "OpenProcess",
            "CloseHandle",
            "WaitForSingleObject",
            "GetExitCodeProcess",
            "TerminateProcess",
            "CreateToolhelp32Snapshot",
            "Process32FirstW",
            "Process32NextW",
            "CreateProcessW",
            "GetCurrentProcess",
            "QueryDosDeviceW");
    assertThat(Mingw.exports("libadvapi32.a"))
        .contains(
            "OpenProcessToken",
            "LookupPrivilegeValueW",
            "AdjustTokenPrivileges",
            "RegCreateKeyExW",
            "RegOpenKeyExW",
            "RegQueryValueExW",
            "RegSetValueExW",
            "RegDeleteValueW",
            "RegDeleteKeyW",
            "RegCloseKey");
  }

  @Test
  void aMisspelledNameWouldFail() {
    assertThat(Mingw.exports("libadvapi32.a")).doesNotContain("StartTrace_W", "OpenTraceX");
  }
}
