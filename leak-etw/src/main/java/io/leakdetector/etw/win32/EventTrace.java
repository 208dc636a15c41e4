package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/** {@code EVENT_TRACE} (evntrace.h); the last union mapped by ClientContext. */
@FieldOrder({
  "Header",
  "InstanceId",
  "ParentInstanceId",
  "ParentGuid",
  "MofData",
  "MofLength",
  "ClientContext"
})
public class EventTrace extends WinStructure {
  public EventTraceHeader Header = new EventTraceHeader();
  public int InstanceId;
  public int ParentInstanceId;
  public Guid ParentGuid = new Guid();
  public Pointer MofData;
  public int MofLength;
  public int ClientContext;
}
