package io.leakdetector.testkit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a test needs from the machine (a tool, root, a kernel feature, a service). A missing
 * prerequisite skips the test only when the environment variable {@code CI} is unset; in CI,
 * whatever its value, it fails the test.
 */
public final class Prerequisite {
  private Prerequisite() {}

  /** Whether this run is CI's, where nothing may skip. */
  public static boolean inCi() {
    return System.getenv("CI") != null;
  }

  /** Skips (outside CI) or fails (in CI) the test when {@code present} is false. */
  public static void require(boolean present, String whatIsMissing) {
    if (present) {
      return;
    }
    if (inCi()) {
      fail(whatIsMissing + "; required with CI set, so the test fails instead of skipping");
    }
    assumeTrue(false, whatIsMissing + "; skipped outside CI");
  }

  /** The executable {@code tool} found on the PATH. */
  public static Optional<Path> onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, tool);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The executable {@code tool} on the PATH; when it is missing, the test is skipped or fails (see
   * {@link #require}) with {@code howToInstall} in the message.
   */
  public static Path tool(String tool, String howToInstall) {
    Optional<Path> found = onPath(tool);
    require(found.isPresent(), tool + " is missing: " + howToInstall);
    return found.orElseThrow();
  }
}
