package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.cli.CliOptions.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the bundled native demo program and makes its command line for {@code leakdetector demo}.
 *
 * <p>Looked for, in order: the file named by {@code LEAKDETECTOR_DEMO}; {@code demo/} of the
 * distribution folder (the launcher passes {@code -Dleakdetector.home}); {@code
 * demo/target/native/} of a source tree at or above the working directory (runs from the build).
 */
final class DemoProgram {
  private DemoProgram() {}

  /** The demo's executable file name on this operating system. */
  static String fileName() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")
        ? "demo.exe"
        : "demo";
  }

  /** The demo program, or one sentence saying it is missing and how to get it. */
  static Path locate(Map<String, String> env) throws LeakDetectorException {
    String override = env.get("LEAKDETECTOR_DEMO");
    if (override != null && !override.isBlank()) {
      Path path = Path.of(override);
      if (!Files.isRegularFile(path)) {
        throw new LeakDetectorException(
            Kind.LAUNCH_FAILED, "LEAKDETECTOR_DEMO names " + path + ", which is not a file.");
      }
      return path;
    }
    for (Path candidate : candidates()) {
      if (Files.isRegularFile(candidate)) {
        return candidate.toAbsolutePath().normalize();
      }
    }
    throw new LeakDetectorException(
        Kind.LAUNCH_FAILED,
        "The native demo program is not in this distribution; building it needs a C compiler"
            + " (apt-get install gcc, then mvn package).");
  }

  private static List<Path> candidates() {
    List<Path> candidates = new ArrayList<>();
    String home = System.getProperty("leakdetector.home");
    if (home != null && !home.isBlank()) {
      candidates.add(Path.of(home, "demo", fileName()));
    }
    Path dir = Path.of("").toAbsolutePath();
    for (int up = 0; dir != null && up < 4; up++, dir = dir.getParent()) {
      candidates.add(dir.resolve(Path.of("demo", "target", "native", fileName())));
    }
    return candidates;
  }

  /**
   * The demo's command line. Without {@code --rounds} the demo leaks until it is stopped, which the
   * run does after its last report.
   */
  static List<String> command(Path program, Target.Demo demo) {
    List<String> command = new ArrayList<>();
    command.add(program.toString());
    if (demo.rounds() >= 0) {
      command.add("--rounds");
      command.add(Integer.toString(demo.rounds()));
    }
    if (demo.delayMs() >= 0) {
      command.add("--delay-ms");
      command.add(Long.toString(demo.delayMs()));
    }
    return command;
  }
}
