package io.leakdetector.uprobes.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The few libc functions this source calls, bound with JNA direct mapping (jna-platform has no
 * {@code perf_event_open}). Every function throws {@link LastErrorException} with {@code errno}
 * when it fails. Pointers to native memory are passed as plain addresses where the callee takes
 * them as system call arguments.
 */
public final class LinuxC {
  static {
    Native.register(LinuxC.class, NativeLibrary.getInstance("c"));
  }

  private LinuxC() {}

  public static final int PROT_READ = 1;
  public static final int PROT_WRITE = 2;
  public static final int MAP_SHARED = 1;
  public static final short POLLIN = 1;
  public static final short POLLHUP = 0x10;

  public static final int SIGKILL = 9;
  public static final int SIGCONT = 18;

  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EBADF = 9;
  public static final int EACCES = 13;
  public static final int EINVAL = 22;
  public static final int ENOMEM = 12;
  public static final int EMFILE = 24;
  public static final int ENOSPC = 28;
  public static final int EOPNOTSUPP = 95;

  /** {@code syscall(2)} with up to six integer arguments (unused ones 0). */
  public static native long syscall(
      long number, long a1, long a2, long a3, long a4, long a5, long a6) throws LastErrorException;

  public static native int ioctl(int fd, long request, long arg) throws LastErrorException;

  public static native Pointer mmap(
      Pointer address, long length, int prot, int flags, int fd, long offset)
      throws LastErrorException;

  public static native int munmap(Pointer address, long length) throws LastErrorException;

  /** {@code poll(2)} over {@code count} {@code struct pollfd} (8 bytes each) at {@code fds}. */
  public static native int poll(Pointer fds, long count, int timeoutMillis)
      throws LastErrorException;

  public static native int close(int fd) throws LastErrorException;

  public static native int kill(int pid, int signal) throws LastErrorException;

  /** The size of a memory page. */
  public static native int getpagesize();

  /** The message of {@code strerror(errno)}, for the rare error that is shown as it is. */
  public static native String strerror(int errno);
}
