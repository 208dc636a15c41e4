package io.leakdetector.uprobes.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** {@code perf_event_open(2)} and the event ioctls, for one CPU architecture. */
public final class PerfEvents {
  private final CpuArch arch;

  public PerfEvents(CpuArch arch) {
    this.arch = arch;
  }

  public CpuArch arch() {
    return arch;
  }

  /**
   * Opens an event with close-on-exec set.
   *
   * @return the event's file descriptor
   * @throws LastErrorException with the kernel's errno
   */
  public int open(PerfEventAttr attr, int pid, int cpu, int groupFd) {
    Memory memory = attr.toNative();
    try {
      return (int)
          LinuxC.syscall(
              arch.perfEventOpen(),
              Pointer.nativeValue(memory),
              pid,
              cpu,
              groupFd,
              PerfAbi.FLAG_FD_CLOEXEC,
              0);
    } finally {
      memory.close();
    }
  }

  public void enable(int fd) {
    LinuxC.ioctl(fd, PerfAbi.IOC_ENABLE, 0);
  }

  public void disable(int fd) {
    LinuxC.ioctl(fd, PerfAbi.IOC_DISABLE, 0);
  }

  /** Sends {@code fd}'s records into the ring of {@code ringFd} (same CPU). */
  public void setOutput(int fd, int ringFd) {
    LinuxC.ioctl(fd, PerfAbi.IOC_SET_OUTPUT, ringFd);
  }

  /** The id the kernel puts into this event's records ({@code PERF_SAMPLE_IDENTIFIER}). */
  public long id(int fd) {
    try (Memory out = new Memory(8)) {
      LinuxC.ioctl(fd, PerfAbi.IOC_ID, Pointer.nativeValue(out));
      return out.getLong(0);
    }
  }

  /** {@code pidfd_open(pid, 0)}. */
  public int pidfdOpen(int pid) {
    return (int) LinuxC.syscall(arch.pidfdOpen(), pid, 0, 0, 0, 0, 0);
  }

  /** The 64-bit word at {@code address} of process {@code pid}, or {@code fallback}. */
  public long readLong(int pid, long address, long fallback) {
    try (Memory word = new Memory(8)) {
      return readProcessMemory(pid, address, word, 8) == 8 ? word.getLong(0) : fallback;
    } catch (LastErrorException e) {
      return fallback;
    }
  }

  /**
   * Reads {@code length} bytes at {@code remoteAddress} of process {@code pid} into {@code into}
   * with {@code process_vm_readv}.
   *
   * @return bytes read
   */
  public long readProcessMemory(int pid, long remoteAddress, Memory into, long length) {
    try (Memory iovecs = new Memory(32)) {
      iovecs.setLong(0, Pointer.nativeValue(into));
      iovecs.setLong(8, length);
      iovecs.setLong(16, remoteAddress);
      iovecs.setLong(24, length);
      long local = Pointer.nativeValue(iovecs);
      return LinuxC.syscall(arch.processVmReadv(), pid, local, 1, local + 16, 1, 0);
    }
  }
}
