package io.leakdetector.etw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Quoting per the CommandLineToArgvW / MS C runtime rules (documented examples). */
class WindowsCommandLineTest {

  @Test
  void plainArgumentsAreNotQuoted() {
    assertThat(WindowsCommandLine.join(List.of("demo.exe", "-n", "5"))).isEqualTo("demo.exe -n 5");
  }

  @Test
  void spacesTabsAndEmptyArgumentsAreQuoted() {
    assertThat(WindowsCommandLine.join(List.of("C:\\Program Files\\x.exe", "a\tb", "")))
        .isEqualTo("\"C:\\Program Files\\x.exe\" \"a\tb\" \"\"");
  }

  @Test
  void quotesAndTheBackslashesBeforeThemAreEscaped() {
    // Microsoft's "Parsing C command-line arguments" table, read backwards.
    assertThat(WindowsCommandLine.join(List.of("a\"b"))).isEqualTo("\"a\\\"b\"");
    assertThat(WindowsCommandLine.join(List.of("a\\\"b"))).isEqualTo("\"a\\\\\\\"b\"");
    assertThat(WindowsCommandLine.join(List.of("a\\\\b c"))).isEqualTo("\"a\\\\b c\"");
    assertThat(WindowsCommandLine.join(List.of("dir\\ x\\"))).isEqualTo("\"dir\\ x\\\\\"");
    assertThat(WindowsCommandLine.join(List.of("a\\b"))).isEqualTo("a\\b");
  }
}
