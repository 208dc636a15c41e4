package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.win32.StdCallLibrary;

/**
 * The kernel32.dll functions the ETW source needs: the target's process handle (exit watch),
 * Toolhelp32 process lookup by name, launching a suspended process, and the QPC frequency. Handles
 * are {@link Pointer}s; {@code BOOL} results are {@code boolean} through the Win32 type mapper.
 * Checked against the mingw-w64 headers and libkernel32.a.
 */
public interface Kernel32 extends StdCallLibrary {

  int SYNCHRONIZE = 0x00100000;
  int PROCESS_TERMINATE = 0x0001;
  int PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;

  int WAIT_OBJECT_0 = 0;
  int WAIT_TIMEOUT = 0x102;
  int WAIT_FAILED = 0xFFFFFFFF;
  int STILL_ACTIVE = 259;

  int TH32CS_SNAPPROCESS = 0x00000002;
  int CREATE_SUSPENDED = 0x00000004;

  long INVALID_HANDLE_VALUE = -1L;

  Pointer OpenProcess(int desiredAccess, boolean inheritHandle, int processId);

  boolean CloseHandle(Pointer handle);

  int WaitForSingleObject(Pointer handle, int milliseconds);

  boolean GetExitCodeProcess(Pointer process, IntByReference exitCode);

  boolean TerminateProcess(Pointer process, int exitCode);

  Pointer CreateToolhelp32Snapshot(int flags, int processId);

  boolean Process32FirstW(Pointer snapshot, ProcessEntry32W entry);

  boolean Process32NextW(Pointer snapshot, ProcessEntry32W entry);

  /** {@code commandLine} must be writable UTF-16 memory (see {@link Utf16#allocate}). */
  boolean CreateProcessW(
      WString applicationName,
      Pointer commandLine,
      Pointer processAttributes,
      Pointer threadAttributes,
      boolean inheritHandles,
      int creationFlags,
      Pointer environment,
      WString currentDirectory,
      StartupInfoW startupInfo,
      ProcessInformation processInformation);

  int ResumeThread(Pointer thread);

  boolean QueryPerformanceFrequency(LongByReference frequency);
}
