package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.win32.StdCallLibrary;

/** The kernel32.dll functions the resolver needs; checked against libkernel32.a. */
public interface ProcessApi extends StdCallLibrary {
  int PROCESS_QUERY_INFORMATION = 0x0400;
  int PROCESS_VM_READ = 0x0010;
  int STILL_ACTIVE = 259;

  Pointer OpenProcess(int desiredAccess, boolean inheritHandle, int processId);

  boolean CloseHandle(Pointer handle);

  boolean GetExitCodeProcess(Pointer process, IntByReference exitCode);
}
