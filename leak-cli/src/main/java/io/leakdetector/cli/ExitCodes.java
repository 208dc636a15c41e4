package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;

/** The command's exit codes; {@code --help} and the README list them. */
final class ExitCodes {
  /** Tracing ended normally (count reached, target exited, Ctrl+C), or help/version/list. */
  static final int OK = 0;

  /** An unexpected internal failure. */
  static final int INTERNAL = 1;

  /**
   * Bad usage, or tracing could not begin: no such process, not permitted, no source here, launch
   * failed, output not writable.
   */
  static final int CANNOT_TRACE = 2;

  /** Tracing failed while it ran; the report gathered until then was still printed. */
  static final int SOURCE_FAILED = 3;

  private ExitCodes() {}

  static int of(LeakDetectorException e) {
    return e.kind() == LeakDetectorException.Kind.SOURCE_FAILED ? SOURCE_FAILED : CANNOT_TRACE;
  }
}
