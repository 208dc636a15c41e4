package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/** {@code SYSTEMTIME} (minwinbase.h). */
@FieldOrder({
  "wYear",
  "wMonth",
  "wDayOfWeek",
  "wDay",
  "wHour",
  "wMinute",
  "wSecond",
  "wMilliseconds"
})
public class SystemTime extends WinStructure {
  public short wYear;
  public short wMonth;
  public short wDayOfWeek;
  public short wDay;
  public short wHour;
  public short wMinute;
  public short wSecond;
  public short wMilliseconds;
}
