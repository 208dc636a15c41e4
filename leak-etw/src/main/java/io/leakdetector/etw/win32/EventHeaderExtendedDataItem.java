package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/**
 * {@code EVENT_HEADER_EXTENDED_DATA_ITEM} (evntcons.h). {@code Linkage} is the 16-bit unit that
 * holds the bit fields Linkage:1 and Reserved2:15. {@code DataPtr} is 64-bit on every platform.
 */
@FieldOrder({"Reserved1", "ExtType", "Linkage", "DataSize", "DataPtr"})
public class EventHeaderExtendedDataItem extends WinStructure {
  public short Reserved1;
  public short ExtType;
  public short Linkage;
  public short DataSize;
  public long DataPtr;
}
