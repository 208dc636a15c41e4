package io.leakdetector.export.otel.testkit;

/** This module's name for the shared {@link io.leakdetector.testkit.Prerequisite}. */
public final class Prerequisite {
  private Prerequisite() {}

  /** Whether this run is CI's, where nothing may skip. */
  public static boolean inCi() {
    return io.leakdetector.testkit.Prerequisite.inCi();
  }

  /** Skips (outside CI) or fails (in CI) the test when {@code present} is false. */
  public static void require(boolean present, String whatIsMissing) {
    io.leakdetector.testkit.Prerequisite.require(present, whatIsMissing);
  }
}
