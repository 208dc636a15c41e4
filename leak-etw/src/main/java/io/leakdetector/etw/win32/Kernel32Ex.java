package io.leakdetector.etw.win32;

import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.LongByReference;

/**
 * kernel32.dll as jna-platform binds it, plus the few functions jna-platform lacks. Only these
 * additions are ours; their names are checked against libkernel32.a.
 */
public interface Kernel32Ex extends Kernel32 {

  /** Lets a thread created with CREATE_SUSPENDED run; the previous suspend count, or -1. */
  int ResumeThread(HANDLE thread);

  boolean QueryPerformanceFrequency(LongByReference frequency);
}
