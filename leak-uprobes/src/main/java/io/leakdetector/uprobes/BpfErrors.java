package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.uprobes.linux.LinuxC;

/** One sentence for each way the kernel can refuse the BPF design's maps and programs. */
final class BpfErrors {
  private BpfErrors() {}

  static final String NEEDS = "BPF needs root, or CAP_BPF and CAP_PERFMON";

  static LeakDetectorException maps(LastErrorException e, SourceOptions options) {
    int errno = e.getErrorCode();
    if (errno == LinuxC.EPERM || errno == LinuxC.EACCES) {
      return new LeakDetectorException(
          Kind.NOT_PERMITTED, "Not permitted to use BPF: " + NEEDS + ".", e);
    }
    if (errno == LinuxC.EINVAL) {
      return new LeakDetectorException(
          Kind.UNAVAILABLE,
          "This kernel has no BPF ring buffer (Linux 5.8 or later is needed); use"
              + " --source-option uprobes.mode=per-thread.",
          e);
    }
    if (errno == LinuxC.ENOMEM) {
      return new LeakDetectorException(
          Kind.UNAVAILABLE,
          "The kernel could not allocate a BPF ring buffer of "
              + options.bpfRingBytes() / 1024
              + " KiB; choose a smaller uprobes.ring-kib.",
          e);
    }
    return new LeakDetectorException(
        Kind.UNAVAILABLE, "Cannot create the BPF maps: " + LinuxC.strerror(errno) + ".", e);
  }
}
