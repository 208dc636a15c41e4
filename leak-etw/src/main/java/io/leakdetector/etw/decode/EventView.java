package io.leakdetector.etw.decode;

import static io.leakdetector.etw.decode.EventRecordOffsets.EXTENDED_DATA;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXTENDED_DATA_COUNT;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_DATA_PTR;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_DATA_SIZE;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_ITEM_SIZE;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_STACK_ADDRESSES;
import static io.leakdetector.etw.decode.EventRecordOffsets.EXT_TYPE;
import static io.leakdetector.etw.decode.EventRecordOffsets.HEADER_FLAGS;
import static io.leakdetector.etw.decode.EventRecordOffsets.OPCODE;
import static io.leakdetector.etw.decode.EventRecordOffsets.PROCESS_ID;
import static io.leakdetector.etw.decode.EventRecordOffsets.PROVIDER_ID;
import static io.leakdetector.etw.decode.EventRecordOffsets.THREAD_ID;
import static io.leakdetector.etw.decode.EventRecordOffsets.TIME_STAMP;
import static io.leakdetector.etw.decode.EventRecordOffsets.USER_DATA;
import static io.leakdetector.etw.decode.EventRecordOffsets.USER_DATA_LENGTH;

import com.sun.jna.Pointer;
import io.leakdetector.etw.win32.EventTracing;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One {@code EVENT_RECORD}, read from native memory into reusable arrays: the fixed part with one
 * native read, the payload with another, then fields by offset (FACTS.md, "Event records"). Nothing
 * is allocated per event. Valid until the next {@link #read}.
 */
final class EventView {
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  private final byte[] head = new byte[EventRecordOffsets.SIZE];
  private final byte[] data;
  private final Pointer payload = new Pointer(0);
  private final Pointer extended = new Pointer(0);
  private int payloadRead;
  private int lastFrameSize = 8;

  /**
   * @param maxPayload the most payload bytes ever read
   */
  EventView(int maxPayload) {
    data = new byte[maxPayload];
  }

  void read(Pointer eventRecord) {
    eventRecord.read(0, head, 0, head.length);
    payloadRead = 0;
  }

  long providerLow() {
    return (long) LONG.get(head, PROVIDER_ID);
  }

  long providerHigh() {
    return (long) LONG.get(head, PROVIDER_ID + 8);
  }

  boolean isProvider(long low, long high) {
    return providerLow() == low && providerHigh() == high;
  }

  int version() {
    return head[EventRecordOffsets.VERSION] & 0xFF;
  }

  int opcode() {
    return head[OPCODE] & 0xFF;
  }

  long processId() {
    return Integer.toUnsignedLong((int) INT.get(head, PROCESS_ID));
  }

  int threadId() {
    return (int) INT.get(head, THREAD_ID);
  }

  long timeStamp() {
    return (long) LONG.get(head, TIME_STAMP);
  }

  int flags() {
    return (short) SHORT.get(head, HEADER_FLAGS) & 0xFFFF;
  }

  /** The logging process's pointer size: 4 with the 32-bit header flag (32-bit/WOW64), else 8. */
  int pointerSize() {
    return (flags() & EventTracing.EVENT_HEADER_FLAG_32_BIT_HEADER) != 0 ? 4 : 8;
  }

  int userDataLength() {
    return (short) SHORT.get(head, USER_DATA_LENGTH) & 0xFFFF;
  }

  /** Copies the first {@code length} payload bytes (at most the buffer) in one native read. */
  void readPayload(int length) {
    Pointer.nativeValue(payload, (long) LONG.get(head, USER_DATA));
    payloadRead = Math.min(Math.min(length, userDataLength()), data.length);
    payload.read(0, data, 0, payloadRead);
  }

  /** A pointer-sized payload field. */
  long word(int offset, int size) {
    return size == 8 ? u64(offset) : u32(offset);
  }

  long u64(int offset) {
    return (long) LONG.get(data, offset);
  }

  long u32(int offset) {
    return Integer.toUnsignedLong((int) INT.get(data, offset));
  }

  /**
   * NUL-terminated UTF-16 text in the payload from {@code offset} to the end of what {@link
   * #readPayload} read (allocates; for rare events only).
   */
  String utf16(int offset) {
    int end = offset;
    while (end + 1 < payloadRead && (data[end] != 0 || data[end + 1] != 0)) {
      end += 2;
    }
    return new String(data, offset, Math.max(0, end - offset), StandardCharsets.UTF_16LE);
  }

  /**
   * Copies a stack carried in the event's own extended data (STACK_TRACE64/32) into {@code frames}:
   * its frame count, or -1 when the event has none. {@link #lastFrameSize()} tells the frames'
   * size.
   */
  int extendedStack(long[] frames) {
    int items = (short) SHORT.get(head, EXTENDED_DATA_COUNT) & 0xFFFF;
    if ((flags() & EventTracing.EVENT_HEADER_FLAG_EXTENDED_INFO) == 0 || items == 0) {
      return -1;
    }
    long base = (long) LONG.get(head, EXTENDED_DATA);
    for (int i = 0; i < items; i++) {
      Pointer.nativeValue(extended, base + (long) i * EXT_ITEM_SIZE);
      int type = extended.getShort(EXT_TYPE) & 0xFFFF;
      int frameSize =
          type == EventTracing.EVENT_HEADER_EXT_TYPE_STACK_TRACE64
              ? 8
              : type == EventTracing.EVENT_HEADER_EXT_TYPE_STACK_TRACE32 ? 4 : 0;
      if (frameSize == 0) {
        continue;
      }
      int dataSize = extended.getShort(EXT_DATA_SIZE) & 0xFFFF;
      Pointer.nativeValue(extended, extended.getLong(EXT_DATA_PTR));
      int count =
          Math.min(Math.max(0, (dataSize - EXT_STACK_ADDRESSES) / frameSize), frames.length);
      for (int f = 0; f < count; f++) {
        long offset = EXT_STACK_ADDRESSES + (long) f * frameSize;
        frames[f] =
            frameSize == 8
                ? extended.getLong(offset)
                : Integer.toUnsignedLong(extended.getInt(offset));
      }
      lastFrameSize = frameSize;
      return count;
    }
    return -1;
  }

  int lastFrameSize() {
    return lastFrameSize;
  }
}
