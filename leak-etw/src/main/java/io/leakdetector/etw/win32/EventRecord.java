package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code EVENT_RECORD} (evntcons.h), what the event record callback receives. The decoder reads it
 * by offset without this class (no per-event objects); this class is the checked reference of those
 * offsets.
 */
@FieldOrder({
  "EventHeader",
  "BufferContext",
  "ExtendedDataCount",
  "UserDataLength",
  "ExtendedData",
  "UserData",
  "UserContext"
})
public class EventRecord extends WinStructure {
  public EventHeader EventHeader = new EventHeader();
  public EtwBufferContext BufferContext = new EtwBufferContext();
  public short ExtendedDataCount;
  public short UserDataLength;
  public Pointer ExtendedData;
  public Pointer UserData;
  public Pointer UserContext;
}
