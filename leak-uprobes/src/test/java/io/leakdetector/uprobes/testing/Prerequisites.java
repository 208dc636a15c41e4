package io.leakdetector.uprobes.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A missing prerequisite skips a test outside CI and fails it with {@code CI=true}. */
public final class Prerequisites {
  private Prerequisites() {}

  public static void require(boolean present, String what) {
    if (present) {
      return;
    }
    if (System.getenv("CI") != null) {
      fail("prerequisite missing under CI: " + what);
    }
    assumeTrue(false, "prerequisite missing: " + what);
  }
}
