package io.leakdetector.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The cross-compiled demo.exe: a 64-bit PE that heaps through KERNEL32 and names its patterns. */
class WindowsDemoTest {

  @Test
  void demoExeIsPe32PlusImportingTheHeapFunctionsAndExportingThePatterns() throws Exception {
    DemoBinaries.requireTool("x86_64-w64-mingw32-objdump");
    String exe = DemoBinaries.require("demo.exe", "x86_64-w64-mingw32-gcc").toString();
    DemoBinaries.Result result = DemoBinaries.run(List.of("x86_64-w64-mingw32-objdump", "-p", exe));
    assertThat(result.exitCode()).isZero();
    String out = result.output();

    assertThat(out).contains("file format pei-x86-64");
    assertThat(out).containsPattern("Magic\\s+020b"); // PE32+

    assertThat(importsOf(out, "KERNEL32.dll"))
        .contains("GetProcessHeap", "HeapAlloc", "HeapReAlloc", "HeapFree");

    Matcher exports =
        Pattern.compile("\\[Ordinal/Name Pointer\\] Table\\n((?:\\s+\\[\\s*\\d+\\] \\w+\\n)+)")
            .matcher(out);
    assertThat(exports.find()).as("an export name table").isTrue();
    assertThat(exports.group(1))
        .contains("leak_fixed_blocks")
        .contains("leak_grown_blocks")
        .contains("leak_partly_freed_blocks")
        .contains("leak_shrunk_blocks");
  }

  /** The function names objdump lists under {@code DLL Name: dll}. */
  private static String importsOf(String objdump, String dll) {
    int at = objdump.indexOf("DLL Name: " + dll);
    assertThat(at).as(dll + " is imported").isNotNegative();
    int end = objdump.indexOf("DLL Name:", at + 1);
    return objdump.substring(at, end < 0 ? objdump.length() : end);
  }
}
