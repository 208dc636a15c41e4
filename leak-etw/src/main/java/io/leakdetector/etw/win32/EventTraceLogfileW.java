package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code EVENT_TRACE_LOGFILEW} (evntrace.h), the consumer's description of what to open. The unions
 * are mapped by ProcessTraceMode and EventRecordCallback. {@code LoggerName} points at UTF-16 text
 * the caller keeps alive (see {@link Utf16}); the callbacks must stay strongly referenced for as
 * long as the trace is open.
 */
@FieldOrder({
  "LogFileName",
  "LoggerName",
  "CurrentTime",
  "BuffersRead",
  "ProcessTraceMode",
  "CurrentEvent",
  "LogfileHeader",
  "BufferCallback",
  "BufferSize",
  "Filled",
  "EventsLost",
  "EventRecordCallback",
  "IsKernelTrace",
  "Context"
})
public class EventTraceLogfileW extends WinStructure {
  public Pointer LogFileName;
  public Pointer LoggerName;
  public long CurrentTime;
  public int BuffersRead;
  public int ProcessTraceMode;
  public EventTrace CurrentEvent = new EventTrace();
  public TraceLogfileHeader LogfileHeader = new TraceLogfileHeader();
  public EventTracing.BufferCallback BufferCallback;
  public int BufferSize;
  public int Filled;
  public int EventsLost;
  public EventTracing.EventRecordCallback EventRecordCallback;
  public int IsKernelTrace;
  public Pointer Context;
}
