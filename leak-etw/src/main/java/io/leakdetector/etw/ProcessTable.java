package io.leakdetector.etw;

import com.sun.jna.Native;
import com.sun.jna.platform.win32.Tlhelp32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinDef.DWORD;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.etw.win32.Kernel32Ex;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The running processes, read from a Toolhelp32 snapshot. */
final class ProcessTable {
  private ProcessTable() {}

  /** Every process, with its executable's file name. */
  static List<TargetProcess> list(Kernel32Ex kernel32) throws LeakDetectorException {
    HANDLE snapshot = kernel32.CreateToolhelp32Snapshot(Tlhelp32.TH32CS_SNAPPROCESS, new DWORD(0));
    if (snapshot == null || WinBase.INVALID_HANDLE_VALUE.equals(snapshot)) {
      throw new LeakDetectorException(
          Kind.SOURCE_FAILED, "Windows could not list the running processes.");
    }
    try {
      List<TargetProcess> processes = new ArrayList<>();
      Tlhelp32.PROCESSENTRY32 entry = new Tlhelp32.PROCESSENTRY32();
      boolean more = kernel32.Process32First(snapshot, entry);
      while (more) {
        processes.add(
            new TargetProcess(entry.th32ProcessID.longValue(), Native.toString(entry.szExeFile)));
        entry = new Tlhelp32.PROCESSENTRY32();
        more = kernel32.Process32Next(snapshot, entry);
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
  static List<TargetProcess> find(Kernel32Ex kernel32, String name) throws LeakDetectorException {
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
  static String nameOf(Kernel32Ex kernel32, long pid) throws LeakDetectorException {
    for (TargetProcess process : list(kernel32)) {
      if (process.pid() == pid) {
        return process.name();
      }
    }
    return null;
  }
}
