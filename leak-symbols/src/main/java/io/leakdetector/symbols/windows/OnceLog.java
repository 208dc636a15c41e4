package io.leakdetector.symbols.windows;

import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.Set;

/**
 * Logs each kind of failure once, as one warning sentence (the exception goes with it, which the
 * command line shows only with {@code --debug}): a failure that repeats for every frame must not
 * flood standard error.
 */
final class OnceLog {
  private final System.Logger log;
  private final Set<String> logged = new HashSet<>();

  OnceLog(System.Logger log) {
    this.log = log;
  }

  /** Logs {@code sentence} unless a failure of {@code kind} was logged already. */
  synchronized void warn(String kind, String sentence, Throwable cause) {
    if (logged.add(kind)) {
      log.log(Level.WARNING, sentence, cause);
    }
  }
}
