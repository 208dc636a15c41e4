package io.leakdetector.export.otel.testkit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A test's prerequisite that may be missing on a developer's machine: the test is skipped there,
 * but with {@code CI=true} a missing prerequisite fails the test.
 */
public final class Prerequisite {
  private Prerequisite() {}

  /** Whether this run is CI's, where nothing may skip. */
  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Skips (outside CI) or fails (in CI) the test when {@code present} is false. */
  public static void require(boolean present, String whatIsMissing) {
    if (present) {
      return;
    }
    if (inCi()) {
      fail(whatIsMissing + " (CI=true, so this test may not skip)");
    }
    assumeTrue(false, whatIsMissing);
  }
}
