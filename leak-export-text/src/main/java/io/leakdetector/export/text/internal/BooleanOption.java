package io.leakdetector.export.text.internal;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.ExporterContext;

/** Reads a {@code true}/{@code false} exporter option. */
final class BooleanOption {
  private BooleanOption() {}

  /** The option's value; {@code false} when it is not set. */
  static boolean read(ExporterContext context, String name) throws LeakDetectorException {
    String value = context.option(name, "false").trim();
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new LeakDetectorException(
        LeakDetectorException.Kind.USAGE,
        "Exporter option " + name + " must be true or false, not '" + value + "'.");
  }
}
