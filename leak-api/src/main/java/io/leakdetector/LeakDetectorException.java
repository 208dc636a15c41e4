package io.leakdetector;

/**
 * A failure the user can act on. Its message is one sentence meant for the user, never a stack
 * trace.
 */
public class LeakDetectorException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is; the command line maps every kind to its exit code. */
  public enum Kind {
    /** A bad option or option value. */
    USAGE,
    /** The process does not exist, or a name matched no process or several. */
    NO_SUCH_PROCESS,
    /** Tracing is not permitted (privileges, system settings). */
    NOT_PERMITTED,
    /** No source can trace here (platform, kernel feature, another session in the way). */
    UNAVAILABLE,
    /** The command to launch could not be started. */
    LAUNCH_FAILED,
    /** Reading or writing a file failed. */
    IO,
    /** The tracing facility failed while running. */
    SOURCE_FAILED
  }

  private final Kind kind;

  public LeakDetectorException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public LeakDetectorException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
