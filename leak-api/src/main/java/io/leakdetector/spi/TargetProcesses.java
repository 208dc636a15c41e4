package io.leakdetector.spi;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import java.util.List;

/**
 * The checks of a target before anything is attached, with the sentences the user sees: that a pid
 * is running, and which one process a name ({@code -P NAME}) means.
 */
public final class TargetProcesses {
  private TargetProcesses() {}

  /**
   * Fails unless a process with this id is running now.
   *
   * @throws LeakDetectorException of kind {@link Kind#NO_SUCH_PROCESS}
   */
  public static void requireRunning(long pid) throws LeakDetectorException {
    if (pid <= 0 || ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "No process with pid " + pid + " is running.");
    }
  }

  /**
   * The one running process called {@code name}, as {@code source} sees processes.
   *
   * @throws LeakDetectorException of kind {@link Kind#NO_SUCH_PROCESS} when none or several match;
   *     for several, the sentence is followed by one line per process (pid and name)
   */
  public static TargetProcess findOne(HeapEventSourceProvider source, String name)
      throws LeakDetectorException {
    List<TargetProcess> found = source.findProcesses(name);
    if (found.isEmpty()) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "No running process is named '" + name + "'.");
    }
    if (found.size() > 1) {
      StringBuilder message =
          new StringBuilder()
              .append(found.size())
              .append(" processes are named '")
              .append(name)
              .append("'; choose one with -p PID:");
      for (TargetProcess process : found) {
        message
            .append(System.lineSeparator())
            .append(String.format("  %8d  %s", process.pid(), process.name()));
      }
      throw new LeakDetectorException(Kind.NO_SUCH_PROCESS, message.toString());
    }
    return found.get(0);
  }
}
