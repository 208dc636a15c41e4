package io.leakdetector.etw;

import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinDef.DWORD;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.etw.win32.Kernel32Ex;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * A command started with CREATE_SUSPENDED: its first thread runs only once the heap session is on
 * ({@link #resume}), so its first allocation is traced. It shares LeakDetector's console and
 * inherits no handles.
 *
 * @param pid the new process's id
 * @param process its handle (all access)
 * @param thread its first thread's handle, until resumed
 * @param name its executable's file name
 */
record LaunchedProcess(long pid, HANDLE process, HANDLE thread, String name) {

  /** Starts {@code command} suspended. */
  static LaunchedProcess start(Kernel32Ex kernel32, IntSupplier lastError, List<String> command)
      throws LeakDetectorException {
    char[] commandLine = (WindowsCommandLine.join(command) + '\0').toCharArray();
    WinBase.STARTUPINFO startup = new WinBase.STARTUPINFO();
    WinBase.PROCESS_INFORMATION info = new WinBase.PROCESS_INFORMATION();
    boolean started =
        kernel32.CreateProcessW(
            null,
            commandLine,
            null,
            null,
            false,
            new DWORD(WinBase.CREATE_SUSPENDED),
            null,
            null,
            startup,
            info);
    if (!started) {
      throw new LeakDetectorException(
          Kind.LAUNCH_FAILED,
          "Could not start '"
              + command.get(0)
              + "' (CreateProcessW error "
              + lastError.getAsInt()
              + ").");
    }
    return new LaunchedProcess(
        info.dwProcessId.longValue(), info.hProcess, info.hThread, fileName(command.get(0)));
  }

  /** Lets the first thread run and closes its handle. */
  void resume(Kernel32Ex kernel32) {
    kernel32.ResumeThread(thread);
    kernel32.CloseHandle(thread);
  }

  /** Ends a process that never ran (tracing could not start) and closes the thread handle. */
  void abandon(Kernel32Ex kernel32) {
    kernel32.TerminateProcess(process, 1);
    kernel32.CloseHandle(thread);
  }

  static String fileName(String program) {
    int cut = Math.max(program.lastIndexOf('\\'), program.lastIndexOf('/'));
    return program.substring(cut + 1);
  }
}
