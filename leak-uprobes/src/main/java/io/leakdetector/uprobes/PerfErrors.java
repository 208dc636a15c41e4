package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.uprobes.linux.LinuxC;
import java.nio.file.Path;

/** Turns an errno from perf_event_open and friends into one sentence for the user. */
final class PerfErrors {
  private PerfErrors() {}

  static String permissionHint() {
    int paranoid = ProcFs.readInt(Path.of("/proc/sys/kernel/perf_event_paranoid"));
    // CAP_PERFMON alone was refused (EACCES) for uprobe events on Linux 6.18, measured
    return "uprobe events need root, or CAP_SYS_ADMIN and CAP_PERFMON"
        + (paranoid != -99 ? "; kernel.perf_event_paranoid is " + paranoid : "");
  }

  static LeakDetectorException translate(LastErrorException e, long pid, String what) {
    int errno = e.getErrorCode();
    return switch (errno) {
      case LinuxC.EACCES, LinuxC.EPERM ->
          new LeakDetectorException(
              Kind.NOT_PERMITTED,
              "Not permitted to trace process " + pid + ": " + permissionHint() + ".",
              e);
      case LinuxC.ESRCH ->
          new LeakDetectorException(
              Kind.NO_SUCH_PROCESS, "Process " + pid + " exited while attaching.", e);
      case LinuxC.EMFILE, 23 /* ENFILE */ ->
          new LeakDetectorException(
              Kind.UNAVAILABLE,
              "Out of file descriptors while attaching to process "
                  + pid
                  + " (one per thread, CPU and probe); raise the limit with ulimit -n.",
              e);
      case LinuxC.ENOENT ->
          new LeakDetectorException(
              Kind.UNAVAILABLE, "Cannot probe " + what + ": the file is gone.", e);
      default ->
          new LeakDetectorException(
              Kind.UNAVAILABLE,
              "The kernel refused "
                  + what
                  + " for process "
                  + pid
                  + ": "
                  + LinuxC.strerror(errno)
                  + (errno == LinuxC.EINVAL
                      ? " (another tool may probe the same address with a reference counter)"
                      : "")
                  + ".",
              e);
    };
  }
}
