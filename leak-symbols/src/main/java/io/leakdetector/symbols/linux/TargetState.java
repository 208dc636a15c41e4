package io.leakdetector.symbols.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A traced process as seen through {@code /proc}: whether it still lives (the same process, not a
 * new one that reused its pid) and how to reach its files.
 */
final class TargetState {
  private final long pid;
  private final long startTime;
  private final boolean sharesOurRoot;
  private volatile boolean exited;
  private FileIdentity executable;

  private TargetState(long pid, long startTime, boolean sharesOurRoot) {
    this.pid = pid;
    this.startTime = startTime;
    this.sharesOurRoot = sharesOurRoot;
    this.executable = currentExecutable();
  }

  /**
   * Captures the process now.
   *
   * @throws IOException when it does not exist or cannot be read
   */
  static TargetState capture(long pid) throws IOException {
    long startTime = readStartTime(pid);
    boolean sharesRoot;
    try {
      sharesRoot = Files.isSameFile(procDir(pid).resolve("root"), Path.of("/"));
    } catch (IOException e) {
      sharesRoot = true; // cannot tell: assume the usual case, paths are checked anyway
    }
    return new TargetState(pid, startTime, sharesRoot);
  }

  long pid() {
    return pid;
  }

  /** Whether the captured process still runs (a zombie counts as gone). */
  boolean alive() {
    if (exited) {
      return false;
    }
    try {
      String stat = Files.readString(procDir(pid).resolve("stat"));
      if (startTime(stat) == startTime && state(stat) != 'Z' && state(stat) != 'X') {
        return true;
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    exited = true;
    return false;
  }

  /**
   * Whether the process has run a new program ({@code execve}) since it was captured or since the
   * last call that returned true: its executable is another file.
   */
  synchronized boolean executableChanged() {
    FileIdentity now = currentExecutable();
    if (now == null || now.equals(executable)) {
      return false;
    }
    executable = now;
    return true;
  }

  private FileIdentity currentExecutable() {
    return FileIdentity.of(procDir(pid).resolve("exe")).orElse(null);
  }

  /** Whether the process sees the same file system root as we do (not in a container). */
  boolean sharesOurRoot() {
    return sharesOurRoot;
  }

  /** The process's view of {@code absolutePath}, through {@code /proc/PID/root}. */
  Path throughRoot(String absolutePath) {
    return procDir(pid).resolve("root").resolve(absolutePath.substring(1));
  }

  /** The file mapped at a range, through {@code /proc/PID/map_files}. */
  Path mapFile(ProcMapsEntry entry) {
    return mapFile(entry.start(), entry.end());
  }

  Path mapFile(long start, long end) {
    return procDir(pid)
        .resolve("map_files")
        .resolve(Long.toHexString(start) + "-" + Long.toHexString(end));
  }

  /** The process's root folder as a path we can open while it lives. */
  Path root() {
    return procDir(pid).resolve("root");
  }

  static Path procDir(long pid) {
    return Path.of("/proc", Long.toString(pid));
  }

  private static long readStartTime(long pid) throws IOException {
    return startTime(Files.readString(procDir(pid).resolve("stat")));
  }

  /** Field 22 of {@code /proc/PID/stat}: start time in clock ticks after boot. */
  static long startTime(String stat) {
    String[] fields = afterCommand(stat);
    return Long.parseLong(fields[19]);
  }

  private static char state(String stat) {
    return afterCommand(stat)[0].charAt(0);
  }

  /** The fields after {@code (comm)}, which may hold spaces and parentheses. */
  private static String[] afterCommand(String stat) {
    int close = stat.lastIndexOf(')');
    return stat.substring(close + 2).trim().split(" ");
  }
}
