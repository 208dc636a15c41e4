package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code EVENT_TRACE_PROPERTIES} (evntrace.h). It is the head of a larger buffer that also holds
 * the logger name (at {@code LoggerNameOffset}) and, for the heap session, the enable-flags
 * extension block; {@link #EventTraceProperties(Pointer)} maps it onto such a buffer.
 */
@FieldOrder({
  "Wnode",
  "BufferSize",
  "MinimumBuffers",
  "MaximumBuffers",
  "MaximumFileSize",
  "LogFileMode",
  "FlushTimer",
  "EnableFlags",
  "AgeLimit",
  "NumberOfBuffers",
  "FreeBuffers",
  "EventsLost",
  "BuffersWritten",
  "LogBuffersLost",
  "RealTimeBuffersLost",
  "LoggerThreadId",
  "LogFileNameOffset",
  "LoggerNameOffset"
})
public class EventTraceProperties extends WinStructure {
  public WnodeHeader Wnode = new WnodeHeader();
  public int BufferSize;
  public int MinimumBuffers;
  public int MaximumBuffers;
  public int MaximumFileSize;
  public int LogFileMode;
  public int FlushTimer;
  public int EnableFlags;
  public int AgeLimit;
  public int NumberOfBuffers;
  public int FreeBuffers;
  public int EventsLost;
  public int BuffersWritten;
  public int LogBuffersLost;
  public int RealTimeBuffersLost;
  public Pointer LoggerThreadId;
  public int LogFileNameOffset;
  public int LoggerNameOffset;

  public EventTraceProperties() {}

  /** Maps the structure onto the head of {@code memory} (not read or written yet). */
  public EventTraceProperties(Pointer memory) {
    super(memory);
  }
}
