package io.leakdetector.uprobes.testing;

import io.leakdetector.testkit.Prerequisite;

/** A missing prerequisite skips a test outside CI and fails it in CI. */
public final class Prerequisites {
  private Prerequisites() {}

  public static void require(boolean present, String what) {
    Prerequisite.require(present, "prerequisite missing: " + what);
  }

  /**
   * Skips outside CI, fails under {@code CI=true}, when this machine may not trace with uprobes.
   */
  public static void requireUprobes() {
    io.leakdetector.spi.Availability availability =
        new io.leakdetector.uprobes.UprobesSourceProvider().availability();
    require(availability.available(), "uprobe tracing: " + availability.reason());
  }
}
