package io.leakdetector.uprobes;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small readers of {@code /proc} and {@code /sys} used by the source. */
final class ProcFs {
  private ProcFs() {}

  /** The thread ids of process {@code pid}; empty when it is gone. */
  static List<Integer> threads(long pid) {
    List<Integer> tids = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path p : dir) {
        try {
          tids.add(Integer.parseInt(p.getFileName().toString()));
        } catch (NumberFormatException e) {
          // not a thread
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return tids;
  }

  /**
   * The state letter of {@code /proc/PID/stat} ({@code R}, {@code S}, {@code T}, {@code Z}…), or 0.
   */
  static char state(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      int close = stat.lastIndexOf(')');
      return close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The command name ({@code comm}) of {@code pid}, or "" when unreadable. */
  static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The name ({@code comm}) of thread {@code tid} of {@code pid}, or null when it has exited. A
   * name may hold spaces ({@code "GC Thread#0"}); only the line end is taken off.
   */
  static String threadComm(long pid, int tid) {
    try {
      String comm = Files.readString(Path.of("/proc/" + pid + "/task/" + tid + "/comm"));
      return comm.endsWith("\n") ? comm.substring(0, comm.length() - 1) : comm;
    } catch (IOException e) {
      return null;
    }
  }

  /** The file name of the executable of {@code pid}, or "" when unreadable. */
  static String exeName(long pid) {
    try {
      Path exe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe"));
      String name = exe.getFileName() == null ? "" : exe.getFileName().toString();
      return name.endsWith(" (deleted)") ? name.substring(0, name.length() - 10) : name;
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }

  /** The online CPUs, from {@code /sys/devices/system/cpu/online} ({@code 0-3,6}). */
  static int[] onlineCpus() throws IOException {
    String list = Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
    List<Integer> cpus = new ArrayList<>();
    for (String part : list.split(",")) {
      if (part.isEmpty()) {
        continue;
      }
      int dash = part.indexOf('-');
      int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
      int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
      for (int c = from; c <= to; c++) {
        cpus.add(c);
      }
    }
    return cpus.stream().mapToInt(Integer::intValue).toArray();
  }

  /** A small integer file such as {@code /proc/sys/kernel/perf_event_paranoid}; -99 when absent. */
  static int readInt(Path file) {
    try {
      return Integer.parseInt(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      return -99;
    }
  }

  /** The effective capability mask of this process ({@code CapEff}). */
  static long effectiveCapabilities() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          return Long.parseUnsignedLong(line.substring(7).trim(), 16);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return 0;
  }

  /** Whether {@code /proc/PID} exists. */
  static boolean exists(long pid) {
    return Files.isDirectory(Path.of("/proc/" + pid));
  }

  /** Whether the error means the file is gone. */
  static boolean gone(IOException e) {
    return e instanceof NoSuchFileException;
  }
}
