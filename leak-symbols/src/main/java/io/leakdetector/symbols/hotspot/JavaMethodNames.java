package io.leakdetector.symbols.hotspot;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names of the Java frames a source's unwinder met in a JVM, read while the JVM lived: a report
 * made after the JVM exited (when its memory can no longer be read) still names them. Interpreted
 * methods by {@code Method*}, compiled code by return address. The source's reader writes, the
 * symbol resolver reads.
 */
public final class JavaMethodNames {
  private static final Map<Long, Map<Long, JavaMethod>> BY_PROCESS = new ConcurrentHashMap<>();
  private static final Map<Long, Map<Long, CodeName>> CODE_BY_PROCESS = new ConcurrentHashMap<>();

  private JavaMethodNames() {}

  /** The names met in process {@code pid} (a new, empty table after {@link #forget}). */
  public static Map<Long, JavaMethod> of(long pid) {
    return BY_PROCESS.computeIfAbsent(pid, p -> new ConcurrentHashMap<>());
  }

  /** The code-cache names met in process {@code pid}, by return address. */
  public static Map<Long, CodeName> code(long pid) {
    return CODE_BY_PROCESS.computeIfAbsent(pid, p -> new ConcurrentHashMap<>());
  }

  /** Drops what was met in process {@code pid} (its tracing ended; the pid may be reused). */
  public static void forget(long pid) {
    BY_PROCESS.remove(pid);
    CODE_BY_PROCESS.remove(pid);
  }
}
