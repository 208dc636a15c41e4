package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/** {@code EVENT_HEADER} (evntcons.h); the time union mapped by ProcessorTime. */
@FieldOrder({
  "Size",
  "HeaderType",
  "Flags",
  "EventProperty",
  "ThreadId",
  "ProcessId",
  "TimeStamp",
  "ProviderId",
  "EventDescriptor",
  "ProcessorTime",
  "ActivityId"
})
public class EventHeader extends WinStructure {
  public short Size;
  public short HeaderType;
  public short Flags;
  public short EventProperty;
  public int ThreadId;
  public int ProcessId;
  public long TimeStamp;
  public Guid ProviderId = new Guid();
  public EventDescriptor EventDescriptor = new EventDescriptor();
  public long ProcessorTime;
  public Guid ActivityId = new Guid();
}
