package io.leakdetector.symbols.testing;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link System.Logger} that keeps every record as {@code LEVEL message}. */
public final class RecordingLogger implements System.Logger {
  public final List<String> records = new CopyOnWriteArrayList<>();

  @Override
  public String getName() {
    return "io.leakdetector.symbols";
  }

  @Override
  public boolean isLoggable(Level level) {
    return true;
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
    records.add(level + " " + msg);
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String format, Object... params) {
    records.add(level + " " + (params == null ? format : MessageFormat.format(format, params)));
  }
}
