package io.leakdetector.etw.decode;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds EVENT_RECORDs byte by byte in native memory at the documented offsets (FACTS.md: "Event
 * records", "Heap events", "Stacks", "Module events"; GUID bytes as they lie in memory), written
 * out here independently of the decoder's constants. Keeps every buffer alive until {@link
 * #release()}.
 */
public final class EventRecords {
  public static final byte[] HEAP_GUID =
      bytes(
          0xab, 0x62, 0x29, 0x22, 0x80, 0x61, 0x88, 0x4b, 0xa8, 0x25, 0x34, 0x6b, 0x75, 0xf2, 0xa2,
          0x4a);
  public static final byte[] STACK_WALK_GUID =
      bytes(
          0x46, 0xfe, 0xf2, 0xde, 0xd6, 0x7b, 0x80, 0x4b, 0xbd, 0x94, 0xf5, 0x7f, 0xe2, 0x0d, 0x0c,
          0xe3);
  public static final byte[] LOST_EVENT_GUID =
      bytes(
          0xe0, 0x9a, 0x39, 0x6a, 0xc6, 0x4b, 0xe9, 0x4d, 0x87, 0x0b, 0x36, 0x57, 0xf8, 0x94, 0x7e,
          0x7e);
  public static final byte[] EVENT_TRACE_GUID =
      bytes(
          0x00, 0xd9, 0xfd, 0x68, 0x3e, 0x4a, 0xd1, 0x11, 0x84, 0xf4, 0x00, 0x00, 0xf8, 0x04, 0x64,
          0xe3);

  /** Kernel Image events: 2cb15d1d-5fc1-11d2-abe1-00a0c911f518. */
  public static final byte[] IMAGE_GUID =
      bytes(
          0x1d, 0x5d, 0xb1, 0x2c, 0xc1, 0x5f, 0xd2, 0x11, 0xab, 0xe1, 0x00, 0xa0, 0xc9, 0x11, 0xf5,
          0x18);

  /** Kernel Process events: 3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c. */
  public static final byte[] PROCESS_GUID =
      bytes(
          0xd0, 0xa8, 0x6f, 0x3d, 0x05, 0xfe, 0xd0, 0x11, 0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba,
          0x7c);

  static final int FLAG_EXTENDED_INFO = 0x01;
  static final int FLAG_32_BIT = 0x20;
  static final int FLAG_64_BIT = 0x40;
  static final int FLAG_CLASSIC = 0x100;

  private final List<Memory> keep = new ArrayList<>();

  /** A record with the given header fields and payload; extended data optional. */
  public Memory record(
      byte[] provider,
      int opcode,
      int flags,
      int pid,
      int tid,
      long timeStamp,
      byte[] payload,
      Memory extended,
      int extendedCount) {
    Memory record = new Memory(112);
    record.clear();
    record.setShort(0, (short) 80); // Size
    record.setShort(4, (short) flags);
    record.setInt(8, tid);
    record.setInt(12, pid);
    record.setLong(16, timeStamp);
    record.write(24, provider, 0, 16);
    record.setByte(45, (byte) opcode);
    Memory data = new Memory(Math.max(1, payload.length));
    data.write(0, payload, 0, payload.length);
    keep.add(data);
    record.setShort(84, (short) extendedCount);
    record.setShort(86, (short) payload.length);
    record.setLong(88, extended == null ? 0 : com.sun.jna.Pointer.nativeValue(extended));
    record.setLong(96, com.sun.jna.Pointer.nativeValue(data));
    keep.add(record);
    return record;
  }

  /** A heap event of a process with {@code pointerSize}-byte pointers (8: x64, 4: WOW64). */
  public Memory heap(
      int opcode, int pointerSize, int pid, int tid, long timeStamp, long... fields) {
    return heapWithTail(opcode, pointerSize, pid, tid, timeStamp, fields);
  }

  private Memory heapWithTail(
      int opcode, int pointerSize, int pid, int tid, long timeStamp, long[] pointerFields) {
    // Every heap payload is pointer-sized fields then a ULONG SourceId (Destroy has no SourceId).
    boolean sourceId = opcode != 0x23;
    ByteBuffer payload =
        ByteBuffer.allocate(pointerFields.length * pointerSize + (sourceId ? 4 : 0))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (long field : pointerFields) {
      putPointer(payload, field, pointerSize);
    }
    if (sourceId) {
      payload.putInt(3); // SourceId: main path
    }
    int flags = FLAG_CLASSIC | (pointerSize == 8 ? FLAG_64_BIT : FLAG_32_BIT);
    return record(HEAP_GUID, opcode, flags, pid, tid, timeStamp, payload.array(), null, 0);
  }

  public Memory alloc(int p, int pid, int tid, long ts, long heap, long size, long address) {
    return heap(0x21, p, pid, tid, ts, heap, size, address);
  }

  public Memory realloc(
      int p,
      int pid,
      int tid,
      long ts,
      long heap,
      long newAddress,
      long oldAddress,
      long newSize,
      long oldSize) {
    return heap(0x22, p, pid, tid, ts, heap, newAddress, oldAddress, newSize, oldSize);
  }

  public Memory free(int p, int pid, int tid, long ts, long heap, long address) {
    return heap(0x24, p, pid, tid, ts, heap, address);
  }

  public Memory destroy(int p, int pid, int tid, long ts, long heap) {
    return heap(0x23, p, pid, tid, ts, heap);
  }

  /**
   * A StackWalk event for the event at ({@code eventTimeStamp}, {@code stackThread}), logged with
   * {@code frameSize}-byte frames; its own header carries pid/tid -1 as TraceEvent reports.
   */
  public Memory stack(
      int frameSize, int stackProcess, int stackThread, long eventTimeStamp, long... frames) {
    ByteBuffer payload =
        ByteBuffer.allocate(16 + frames.length * frameSize).order(ByteOrder.LITTLE_ENDIAN);
    payload.putLong(eventTimeStamp).putInt(stackProcess).putInt(stackThread);
    for (long frame : frames) {
      putPointer(payload, frame, frameSize);
    }
    int flags = FLAG_CLASSIC | (frameSize == 8 ? FLAG_64_BIT : FLAG_32_BIT);
    return record(STACK_WALK_GUID, 32, flags, -1, -1, eventTimeStamp + 1, payload.array(), null, 0);
  }

  /**
   * An Image event (opcode 10 Load, 2 Unload, 3 DCStart) of version 3, laid out as the Image_Load
   * class: ImageBase, ImageSize, ProcessId, ImageCheckSum, TimeDateStamp, Reserved0, DefaultBase,
   * Reserved1-4, FileName (UTF-16, NUL-terminated), with {@code p}-byte pointers.
   */
  public Memory image(int opcode, int p, int pid, long base, long size, String ntPath) {
    byte[] name = (ntPath + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
    ByteBuffer payload =
        ByteBuffer.allocate(3 * p + 32 + name.length).order(ByteOrder.LITTLE_ENDIAN);
    putPointer(payload, base, p);
    putPointer(payload, size, p);
    payload.putInt(pid).putInt(0x1234_5678).putInt(0x5f00_0000).putInt(0);
    putPointer(payload, base, p); // DefaultBase
    payload.putInt(0).putInt(0).putInt(0).putInt(0);
    payload.put(name);
    int flags = FLAG_CLASSIC | (p == 8 ? FLAG_64_BIT : FLAG_32_BIT);
    Memory record = record(IMAGE_GUID, opcode, flags, pid, 0, 1, payload.array(), null, 0);
    record.setByte(42, (byte) 3); // EventDescriptor.Version
    return record;
  }

  /** A Process Start (1) or End (2) event: UniqueProcessKey, ProcessId, ParentId, and more. */
  public Memory process(int opcode, int p, int pid, int parent) {
    ByteBuffer payload = ByteBuffer.allocate(p + 24).order(ByteOrder.LITTLE_ENDIAN);
    putPointer(payload, 0xffff_a000_0000_0000L >>> (p == 8 ? 0 : 32), p);
    payload.putInt(pid).putInt(parent).putInt(1).putInt(0);
    int flags = FLAG_CLASSIC | (p == 8 ? FLAG_64_BIT : FLAG_32_BIT);
    Memory record = record(PROCESS_GUID, opcode, flags, pid, 0, 1, payload.array(), null, 0);
    record.setByte(42, (byte) 4);
    return record;
  }

  /** An alloc whose stack rides in its own extended data (EVENT_HEADER_EXT_TYPE_STACK_TRACE64). */
  public Memory allocWithExtendedStack(
      int pid, int tid, long ts, long heap, long size, long address, long... frames) {
    ByteBuffer trace = ByteBuffer.allocate(8 + 8 * frames.length).order(ByteOrder.LITTLE_ENDIAN);
    trace.putLong(0x1234); // MatchId
    for (long frame : frames) {
      trace.putLong(frame);
    }
    Memory traceMemory = new Memory(trace.capacity());
    traceMemory.write(0, trace.array(), 0, trace.capacity());
    keep.add(traceMemory);
    Memory items = new Memory(32);
    items.clear();
    items.setShort(2, (short) 9); // an item of another type first (ExtType 9: not a stack)
    items.setShort(16 + 2, (short) 6); // ExtType STACK_TRACE64
    items.setShort(16 + 6, (short) trace.capacity()); // DataSize
    items.setLong(16 + 8, com.sun.jna.Pointer.nativeValue(traceMemory)); // DataPtr
    keep.add(items);
    ByteBuffer payload = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
    payload.putLong(heap).putLong(size).putLong(address).putInt(3);
    return record(
        HEAP_GUID,
        0x21,
        FLAG_CLASSIC | FLAG_64_BIT | FLAG_EXTENDED_INFO,
        pid,
        tid,
        ts,
        payload.array(),
        items,
        2);
  }

  public void release() {
    keep.clear();
  }

  private static void putPointer(ByteBuffer buffer, long value, int size) {
    if (size == 8) {
      buffer.putLong(value);
    } else {
      buffer.putInt((int) value);
    }
  }

  private static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return bytes;
  }
}
