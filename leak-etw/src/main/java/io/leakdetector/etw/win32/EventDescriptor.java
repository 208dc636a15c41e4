package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/** {@code EVENT_DESCRIPTOR} (evntprov.h). */
@FieldOrder({"Id", "Version", "Channel", "Level", "Opcode", "Task", "Keyword"})
public class EventDescriptor extends WinStructure {
  public short Id;
  public byte Version;
  public byte Channel;
  public byte Level;
  public byte Opcode;
  public short Task;
  public long Keyword;
}
