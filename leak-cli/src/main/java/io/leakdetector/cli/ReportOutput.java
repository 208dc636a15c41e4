package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the reports go: standard output, or the {@code --output} file, opened (and so checked)
 * before anything is attached. Exporters flush it; only this class closes it.
 */
final class ReportOutput implements AutoCloseable {
  private final PrintStream stream;
  private final boolean owned;

  private ReportOutput(PrintStream stream, boolean owned) {
    this.stream = stream;
    this.owned = owned;
  }

  static ReportOutput standardOutput(PrintStream out) {
    return new ReportOutput(out, false);
  }

  /** Creates or replaces the file. */
  static ReportOutput file(Path path) throws LeakDetectorException {
    if (Files.isDirectory(path)) {
      throw new LeakDetectorException(
          Kind.IO, "Cannot write the output file " + path + ": it is a directory.");
    }
    try {
      return new ReportOutput(
          new PrintStream(
              new BufferedOutputStream(new FileOutputStream(path.toFile()), 1 << 16),
              false,
              StandardCharsets.UTF_8),
          true);
    } catch (FileNotFoundException | SecurityException e) {
      // FileOutputStream's message is "<path> (<reason>)", the reason from the operating system.
      throw new LeakDetectorException(
          Kind.IO, "Cannot write the output file " + e.getMessage() + ".", e);
    }
  }

  PrintStream stream() {
    return stream;
  }

  @Override
  public void close() {
    if (owned) {
      stream.close();
    } else {
      stream.flush();
    }
  }
}
