package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/** {@code PROCESS_INFORMATION} (processthreadsapi.h). */
@FieldOrder({"hProcess", "hThread", "dwProcessId", "dwThreadId"})
public class ProcessInformation extends WinStructure {
  public Pointer hProcess;
  public Pointer hThread;
  public int dwProcessId;
  public int dwThreadId;
}
