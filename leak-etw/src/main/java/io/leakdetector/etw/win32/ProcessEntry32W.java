package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/** {@code PROCESSENTRY32W} (tlhelp32.h); szExeFile (WCHAR[MAX_PATH]) as 520 bytes of UTF-16. */
@FieldOrder({
  "dwSize",
  "cntUsage",
  "th32ProcessID",
  "th32DefaultHeapID",
  "th32ModuleID",
  "cntThreads",
  "th32ParentProcessID",
  "pcPriClassBase",
  "dwFlags",
  "szExeFile"
})
public class ProcessEntry32W extends WinStructure {
  public int dwSize;
  public int cntUsage;
  public int th32ProcessID;
  public long th32DefaultHeapID;
  public int th32ModuleID;
  public int cntThreads;
  public int th32ParentProcessID;
  public int pcPriClassBase;
  public int dwFlags;
  public byte[] szExeFile = new byte[520];

  public ProcessEntry32W() {
    dwSize = size();
  }

  /** The executable's file name. */
  public String exeFile() {
    return Utf16.decode(szExeFile);
  }
}
