package io.leakdetector.etw;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.etw.win32.Kernel32;
import io.leakdetector.etw.win32.ProcessInformation;
import io.leakdetector.etw.win32.StartupInfoW;
import io.leakdetector.etw.win32.Utf16;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * A command started with CREATE_SUSPENDED: its first thread runs only once the heap session for its
 * process id is on ({@link #resume}), so its first allocation is traced. It shares LeakDetector's
 * console and inherits no handles.
 *
 * @param pid the new process's id
 * @param process its handle (all access)
 * @param thread its first thread's handle, until resumed
 * @param name its executable's file name
 */
record LaunchedProcess(long pid, Pointer process, Pointer thread, String name) {

  /** Starts {@code command} suspended. */
  static LaunchedProcess start(Kernel32 kernel32, IntSupplier lastError, List<String> command)
      throws LeakDetectorException {
    Memory commandLine = Utf16.allocate(WindowsCommandLine.join(command));
    StartupInfoW startup = new StartupInfoW();
    ProcessInformation info = new ProcessInformation();
    boolean started =
        kernel32.CreateProcessW(
            null,
            commandLine,
            null,
            null,
            false,
            Kernel32.CREATE_SUSPENDED,
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
        Integer.toUnsignedLong(info.dwProcessId),
        info.hProcess,
        info.hThread,
        fileName(command.get(0)));
  }

  /** Lets the first thread run and closes its handle. */
  void resume(Kernel32 kernel32) {
    kernel32.ResumeThread(thread);
    kernel32.CloseHandle(thread);
  }

  /** Ends a process that never ran (tracing could not start) and closes the thread handle. */
  void abandon(Kernel32 kernel32) {
    kernel32.TerminateProcess(process, 1);
    kernel32.CloseHandle(thread);
  }

  static String fileName(String program) {
    int cut = Math.max(program.lastIndexOf('\\'), program.lastIndexOf('/'));
    return program.substring(cut + 1);
  }
}
