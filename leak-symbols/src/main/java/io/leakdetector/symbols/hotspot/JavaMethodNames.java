package io.leakdetector.symbols.hotspot;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names of the interpreted methods a source's unwinder met in a JVM, by process and {@code
 * Method*}, read while the JVM lived: a report made after the JVM exited (when its memory can no
 * longer be read) still names them. The source's reader writes, the symbol resolver reads.
 */
public final class JavaMethodNames {
  private static final Map<Long, Map<Long, String>> BY_PROCESS = new ConcurrentHashMap<>();

  private JavaMethodNames() {}

  /** The names met in process {@code pid} (a new, empty table after {@link #forget}). */
  public static Map<Long, String> of(long pid) {
    return BY_PROCESS.computeIfAbsent(pid, p -> new ConcurrentHashMap<>());
  }

  /** Drops what was met in process {@code pid} (its tracing ended; the pid may be reused). */
  public static void forget(long pid) {
    BY_PROCESS.remove(pid);
  }
}
