package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code TRACE_LOGFILE_HEADER} (evntrace.h); the unions mapped by Version and LogInstanceGuid.
 * {@code PerfFreq} is the QPC frequency that raw event timestamps count in.
 */
@FieldOrder({
  "BufferSize",
  "Version",
  "ProviderVersion",
  "NumberOfProcessors",
  "EndTime",
  "TimerResolution",
  "MaximumFileSize",
  "LogFileMode",
  "BuffersWritten",
  "LogInstanceGuid",
  "LoggerName",
  "LogFileName",
  "TimeZone",
  "BootTime",
  "PerfFreq",
  "StartTime",
  "ReservedFlags",
  "BuffersLost"
})
public class TraceLogfileHeader extends WinStructure {
  public int BufferSize;
  public int Version;
  public int ProviderVersion;
  public int NumberOfProcessors;
  public long EndTime;
  public int TimerResolution;
  public int MaximumFileSize;
  public int LogFileMode;
  public int BuffersWritten;
  public Guid LogInstanceGuid = new Guid();
  public Pointer LoggerName;
  public Pointer LogFileName;
  public TimeZoneInformation TimeZone = new TimeZoneInformation();
  public long BootTime;
  public long PerfFreq;
  public long StartTime;
  public int ReservedFlags;
  public int BuffersLost;
}
