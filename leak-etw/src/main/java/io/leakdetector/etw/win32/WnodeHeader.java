package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/**
 * {@code WNODE_HEADER} (wmistr.h). The unions are mapped by one 8-byte member each:
 * HistoricalContext (or Version + Linkage) and TimeStamp (or CountLost, KernelHandle).
 */
@FieldOrder({
  "BufferSize",
  "ProviderId",
  "HistoricalContext",
  "TimeStamp",
  "Guid",
  "ClientContext",
  "Flags"
})
public class WnodeHeader extends WinStructure {
  public int BufferSize;
  public int ProviderId;
  public long HistoricalContext;
  public long TimeStamp;
  public Guid Guid = new Guid();
  public int ClientContext;
  public int Flags;
}
