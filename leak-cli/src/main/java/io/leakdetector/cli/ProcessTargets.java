package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.HeapEventSourceProvider;
import java.util.List;

/** Checks a pid before anything is attached, and finds the one process of a name. */
final class ProcessTargets {
  private ProcessTargets() {}

  /** Fails with one sentence unless a process with this id is running. */
  static void requireRunning(long pid) throws LeakDetectorException {
    if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "No process with pid " + pid + " is running.");
    }
  }

  /**
   * The pid of the one running process called {@code name}, as the source sees processes.
   *
   * @throws LeakDetectorException of kind {@link Kind#NO_SUCH_PROCESS} when none or several match;
   *     for several, the message lists each pid and name on a line of its own
   */
  static long findOne(HeapEventSourceProvider source, String name) throws LeakDetectorException {
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
    return found.get(0).pid();
  }
}
