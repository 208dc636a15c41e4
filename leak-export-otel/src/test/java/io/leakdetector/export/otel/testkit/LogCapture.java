package io.leakdetector.export.otel.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects every log record that reaches the root logger of {@code java.util.logging} (the backend
 * of {@link System.Logger} here) while open: the library's own warnings and anything
 * OpenTelemetry's loggers let through.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger root = Logger.getLogger("");
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private LogCapture() {
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
  }

  /** Starts collecting. */
  public static LogCapture start() {
    return new LogCapture();
  }

  /** Every record so far. */
  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The messages logged on exactly this logger, in order. */
  public List<String> messages(String loggerName) {
    return records.stream()
        .filter(r -> loggerName.equals(r.getLoggerName()))
        .map(LogRecord::getMessage)
        .toList();
  }

  /** The records of loggers in this namespace ({@code io.opentelemetry} and its children). */
  public List<LogRecord> under(String namespace) {
    return records.stream()
        .filter(
            r ->
                r.getLoggerName() != null
                    && (r.getLoggerName().equals(namespace)
                        || r.getLoggerName().startsWith(namespace + ".")))
        .toList();
  }

  /** Each record as {@code LEVEL logger: message}, for assertion messages. */
  public String describe() {
    StringBuilder text = new StringBuilder();
    for (LogRecord r : records) {
      text.append(r.getLevel())
          .append(' ')
          .append(r.getLoggerName())
          .append(": ")
          .append(r.getMessage())
          .append('\n');
    }
    return text.toString();
  }

  @Override
  public void close() {
    root.removeHandler(handler);
  }
}
