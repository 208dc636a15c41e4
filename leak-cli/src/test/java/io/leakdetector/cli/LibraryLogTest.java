package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The library's System.Logger records become the command's own lines on standard error. */
class LibraryLogTest {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8);

  @Test
  void aLibraryWarningIsOneLineWithTheCommandsPrefix() {
    try (LibraryLog log = LibraryLog.to(err, false)) {
      System.getLogger("io.leakdetector.internal.session.Subscribers")
          .log(Level.WARNING, "a snapshot subscriber failed: boom", new IllegalStateException());
    }
    assertThat(text()).isEqualTo("leakdetector: a snapshot subscriber failed: boom\n");
  }

  @Test
  void withDebugTheExceptionsStackTraceFollows() {
    try (LibraryLog log = LibraryLog.to(err, true)) {
      System.getLogger("io.leakdetector.export.otel")
          .log(Level.WARNING, "closing an exporter failed", new IllegalStateException("stuck"));
    }
    assertThat(text())
        .startsWith(
            "leakdetector: closing an exporter failed\njava.lang.IllegalStateException: stuck\n")
        .contains("\tat io.leakdetector.cli.LibraryLogTest.");
  }

  @Test
  void afterCloseNothingMoreIsPrintedHere() {
    LibraryLog.to(err, false).close();
    System.getLogger("io.leakdetector.cli.test").log(Level.WARNING, "not for this stream");
    assertThat(text()).isEmpty();
  }

  private String text() {
    return captured.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
  }
}
