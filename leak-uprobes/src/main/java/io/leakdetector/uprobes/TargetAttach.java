package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.spi.TargetProcesses;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.util.List;

/** The steps of attaching that both designs share: the target's checks, pidfd and libcs. */
final class TargetAttach {
  private TargetAttach() {}

  /** Checks that {@code pid} names another running process. */
  static void checkPid(long pid) throws LeakDetectorException {
    TargetProcesses.requireRunning(pid);
    if (pid == ProcessHandle.current().pid()) {
      throw new LeakDetectorException(
          Kind.USAGE, "Process " + pid + " is this tool itself; it cannot trace itself.");
    }
  }

  /** A pidfd of the target (it becomes readable when the target exits); not a zombie. */
  static int openPidfd(PerfEvents perf, int pid) throws LeakDetectorException {
    int pidfd;
    try {
      pidfd = perf.pidfdOpen(pid);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LinuxC.ESRCH) {
        throw new LeakDetectorException(Kind.NO_SUCH_PROCESS, "No process has pid " + pid + ".");
      }
      throw PerfErrors.translate(e, pid, "pidfd_open");
    }
    if (ProcFs.state(pid) == 'Z' || ProcFs.state(pid) == 'X') {
      Closer.closeQuietly(pidfd);
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " has exited (it is a zombie).");
    }
    return pidfd;
  }

  /** The libcs the running target maps. */
  static List<LibcLocator.Found> findLibcs(int pid) throws LeakDetectorException {
    List<ProcMapsEntry> maps;
    try {
      maps = ProcMaps.read(pid);
    } catch (AccessDeniedException e) {
      throw new LeakDetectorException(
          Kind.NOT_PERMITTED,
          "Not permitted to read the memory map of process "
              + pid
              + ": "
              + PerfErrors.permissionHint()
              + ".",
          e);
    } catch (IOException e) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " exited while attaching.", e);
    }
    if (maps.isEmpty()) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " has exited or has no memory map.");
    }
    List<LibcLocator.Found> libcs = LibcLocator.find(pid, maps);
    if (libcs.isEmpty()) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE,
          "Process " + pid + " maps no libc (statically linked?); nothing to probe.");
    }
    return libcs;
  }

  /** Plans the probes of every libc into {@code sites}; at least one site must result. */
  static void planAll(
      LibcProbePlanner planner, List<LibcLocator.Found> libcs, SiteTable sites, int pid)
      throws LeakDetectorException {
    for (LibcLocator.Found libc : libcs) {
      try {
        LibcImage image = planner.plan(libc.targetPath(), libc.hostPath(), libc.file());
        if (!image.sites().isEmpty()) {
          sites.add(image);
        }
      } catch (IOException e) {
        throw new LeakDetectorException(
            Kind.UNAVAILABLE, "Cannot read " + libc.hostPath() + ": " + e.getMessage() + ".", e);
      }
    }
    if (sites.size() == 0) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE,
          "Process " + pid + " maps no libc with malloc and free; nothing to probe.");
    }
  }
}
