package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The distribution folder built by {@code mvn package}, and runs of its real launcher. */
final class Dist {
  private Dist() {}

  /** What a run of the launcher printed and returned. */
  record Run(int exitCode, String out, String err) {}

  static Path home() {
    String dist = System.getProperty("leakdetector.dist");
    Path home = dist != null ? Path.of(dist) : Path.of("target", "leakdetector");
    assertThat(home.resolve("bin/leakdetector"))
        .as("the distribution built by mvn package")
        .exists();
    return home.toAbsolutePath();
  }

  static Path launcher() {
    return home().resolve("bin/leakdetector");
  }

  /** Starts the launcher; standard output and error go to files in {@code dir}. */
  static Process start(Path dir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    if (sigintIgnoredHere()) {
      // Children inherit an ignored SIGINT and the JVM then leaves it ignored; undo that.
      command.addAll(List.of("perl", "-e", "$SIG{INT}=$SIG{TERM}='DEFAULT'; exec @ARGV or die"));
    }
    command.add(launcher().toString());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(dir.resolve("out.txt").toFile())
            .redirectError(dir.resolve("err.txt").toFile());
    builder.environment().remove("LEAKDETECTOR_DEBUG");
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Runs the launcher to its end (at most a minute). */
  static Run run(Path dir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Process process = start(dir, env, args);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("bin/leakdetector did not end within a minute");
    }
    return finished(dir, process);
  }

  static Run finished(Path dir, Process process) throws IOException {
    return new Run(
        process.exitValue(),
        Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
  }

  /** Whether this JVM ignores SIGINT (so its children would). */
  static boolean sigintIgnoredHere() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) {
          return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 2) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }

  /** Skips outside CI when a prerequisite is missing; in CI it fails instead. */
  static void requirePrerequisite(boolean present, String what) {
    Prerequisite.require(present, what + " is missing");
  }
}
