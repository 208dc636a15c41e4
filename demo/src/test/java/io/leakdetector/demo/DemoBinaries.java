package io.leakdetector.demo;

import static org.junit.jupiter.api.Assertions.fail;

import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where the build put the native demo, and running tools in tests. */
final class DemoBinaries {
  private DemoBinaries() {}

  static Path nativeDir() {
    return Path.of(System.getProperty("demo.native.dir", "target/native"));
  }

  /** The built file, or a skip (outside CI) / failure (in CI) when the build made none. */
  static Path require(String fileName, String compiler) {
    Path file = nativeDir().resolve(fileName);
    if (!Files.isRegularFile(file)) {
      prerequisiteMissing(file + " was not built (is " + compiler + " installed?)");
    }
    return file;
  }

  static void requireTool(String tool) {
    if (!onPath(tool)) {
      prerequisiteMissing(tool + " is not installed");
    }
  }

  static void prerequisiteMissing(String message) {
    Prerequisite.require(false, message);
  }

  static boolean onPath(String tool) {
    return Prerequisite.onPath(tool).isPresent();
  }

  /** A finished command: exit code and output (standard output and error together). */
  record Result(int exitCode, String output) {}

  static Result run(List<String> command) throws IOException, InterruptedException {
    return run(new ProcessBuilder(command));
  }

  static Result run(ProcessBuilder builder) throws IOException, InterruptedException {
    Process process = builder.redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("timed out: " + builder.command());
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
