package io.leakdetector.cli;

import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Shows what the library logs ({@link System.Logger}, backed by {@code java.util.logging}, under
 * {@code io.leakdetector}) as the command's own lines on standard error: {@code leakdetector:
 * <message>}, and with {@code --debug} the exception's stack trace after it. While installed, those
 * records do not also go to the default console handler.
 */
final class LibraryLog implements AutoCloseable {
  static final String NAMESPACE = "io.leakdetector";

  // Held so that the logger, and the handler on it, live as long as this object.
  private final Logger logger = Logger.getLogger(NAMESPACE);
  private final Handler handler;
  private final boolean usedParentHandlers;

  private LibraryLog(PrintStream err, boolean debug) {
    handler = new Lines(err, debug);
    usedParentHandlers = logger.getUseParentHandlers();
    logger.addHandler(handler);
    logger.setUseParentHandlers(false);
  }

  /** Installs the handler until {@link #close()}. */
  static LibraryLog to(PrintStream err, boolean debug) {
    return new LibraryLog(err, debug);
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
    logger.setUseParentHandlers(usedParentHandlers);
  }

  private static final class Lines extends Handler {
    private final PrintStream err;
    private final boolean debug;
    private final SimpleFormatter messages = new SimpleFormatter();

    Lines(PrintStream err, boolean debug) {
      this.err = err;
      this.debug = debug;
    }

    @Override
    public void publish(LogRecord record) {
      if (!isLoggable(record)) {
        return;
      }
      err.println(Cli.PREFIX + messages.formatMessage(record));
      if (debug && record.getThrown() != null) {
        record.getThrown().printStackTrace(err);
      }
    }

    @Override
    public void flush() {
      err.flush();
    }

    @Override
    public void close() {
      flush();
    }
  }
}
