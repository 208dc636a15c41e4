package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/** {@code GUID} (guiddef.h): Data1 and the next two parts little-endian, Data4 as bytes. */
@FieldOrder({"Data1", "Data2", "Data3", "Data4"})
public class Guid extends WinStructure {
  public int Data1;
  public short Data2;
  public short Data3;
  public byte[] Data4 = new byte[8];

  public Guid() {}

  /** A GUID holding {@code uuid}'s value. */
  public static Guid of(UUID uuid) {
    Guid guid = new Guid();
    guid.set(uuid);
    return guid;
  }

  /** Sets the fields from {@code uuid}. */
  public void set(UUID uuid) {
    long msb = uuid.getMostSignificantBits();
    Data1 = (int) (msb >>> 32);
    Data2 = (short) (msb >>> 16);
    Data3 = (short) msb;
    ByteBuffer.wrap(Data4).putLong(uuid.getLeastSignificantBits());
  }

  /** The 16 bytes of {@code uuid} as a GUID lies in memory. */
  public static byte[] bytes(UUID uuid) {
    ByteBuffer buffer = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    long msb = uuid.getMostSignificantBits();
    buffer.putInt((int) (msb >>> 32)).putShort((short) (msb >>> 16)).putShort((short) msb);
    buffer.order(ByteOrder.BIG_ENDIAN).putLong(uuid.getLeastSignificantBits());
    return buffer.array();
  }
}
