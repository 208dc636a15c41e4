package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/**
 * {@code EVENT_TRACE_HEADER} (evntrace.h), each union by one member: FieldTypeFlags (or HeaderType
 * + MarkerFlags), Version (or Class), Guid (or GuidPtr), ProcessorTime (or KernelTime + UserTime,
 * ClientContext + Flags).
 */
@FieldOrder({
  "Size",
  "FieldTypeFlags",
  "Version",
  "ThreadId",
  "ProcessId",
  "TimeStamp",
  "Guid",
  "ProcessorTime"
})
public class EventTraceHeader extends WinStructure {
  public short Size;
  public short FieldTypeFlags;
  public int Version;
  public int ThreadId;
  public int ProcessId;
  public long TimeStamp;
  public Guid Guid = new Guid();
  public long ProcessorTime;
}
