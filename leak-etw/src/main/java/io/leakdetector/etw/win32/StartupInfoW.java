package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/** {@code STARTUPINFOW} (processthreadsapi.h). */
@FieldOrder({
  "cb",
  "lpReserved",
  "lpDesktop",
  "lpTitle",
  "dwX",
  "dwY",
  "dwXSize",
  "dwYSize",
  "dwXCountChars",
  "dwYCountChars",
  "dwFillAttribute",
  "dwFlags",
  "wShowWindow",
  "cbReserved2",
  "lpReserved2",
  "hStdInput",
  "hStdOutput",
  "hStdError"
})
public class StartupInfoW extends WinStructure {
  public int cb;
  public Pointer lpReserved;
  public Pointer lpDesktop;
  public Pointer lpTitle;
  public int dwX;
  public int dwY;
  public int dwXSize;
  public int dwYSize;
  public int dwXCountChars;
  public int dwYCountChars;
  public int dwFillAttribute;
  public int dwFlags;
  public short wShowWindow;
  public short cbReserved2;
  public Pointer lpReserved2;
  public Pointer hStdInput;
  public Pointer hStdOutput;
  public Pointer hStdError;

  public StartupInfoW() {
    cb = size();
  }
}
