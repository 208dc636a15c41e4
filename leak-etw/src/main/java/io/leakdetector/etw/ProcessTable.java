package io.leakdetector.etw;

import com.sun.jna.Pointer;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.etw.win32.Kernel32;
import io.leakdetector.etw.win32.ProcessEntry32W;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The running processes, read from a Toolhelp32 snapshot. */
final class ProcessTable {
  private ProcessTable() {}

  /** Every process, with its executable's file name. */
  static List<TargetProcess> list(Kernel32 kernel32) throws LeakDetectorException {
    Pointer snapshot = kernel32.CreateToolhelp32Snapshot(Kernel32.TH32CS_SNAPPROCESS, 0);
    if (snapshot == null || Pointer.nativeValue(snapshot) == Kernel32.INVALID_HANDLE_VALUE) {
      throw new LeakDetectorException(
          Kind.SOURCE_FAILED, "Windows could not list the running processes.");
    }
    try {
      List<TargetProcess> processes = new ArrayList<>();
      ProcessEntry32W entry = new ProcessEntry32W();
      boolean more = kernel32.Process32FirstW(snapshot, entry);
      while (more) {
        processes.add(
            new TargetProcess(Integer.toUnsignedLong(entry.th32ProcessID), entry.exeFile()));
        entry = new ProcessEntry32W();
        more = kernel32.Process32NextW(snapshot, entry);
      }
      return processes;
    } finally {
      kernel32.CloseHandle(snapshot);
    }
  }

  /**
   * The processes whose executable is {@code name}, compared without case, with or without the
   * {@code .exe} suffix.
   */
  static List<TargetProcess> find(Kernel32 kernel32, String name) throws LeakDetectorException {
    String wanted = name.toLowerCase(Locale.ROOT);
    String withExe = wanted.endsWith(".exe") ? wanted : wanted + ".exe";
    List<TargetProcess> matches = new ArrayList<>();
    for (TargetProcess process : list(kernel32)) {
      String exe = process.name().toLowerCase(Locale.ROOT);
      if (exe.equals(wanted) || exe.equals(withExe)) {
        matches.add(process);
      }
    }
    return matches;
  }

  /** The executable name of process {@code pid}, or null when no such process runs. */
  static String nameOf(Kernel32 kernel32, long pid) throws LeakDetectorException {
    for (TargetProcess process : list(kernel32)) {
      if (process.pid() == pid) {
        return process.name();
      }
    }
    return null;
  }
}
