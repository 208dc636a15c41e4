package io.leakdetector.etw.decode;

/**
 * Where the decoder reads an {@code EVENT_RECORD} (x64 consumer). Each value is checked against
 * {@code offsetof} in the mingw-w64 headers and against the JNA {@link
 * io.leakdetector.etw.win32.EventRecord} structure.
 */
public final class EventRecordOffsets {
  private EventRecordOffsets() {}

  public static final int HEADER_FLAGS = 4;
  public static final int THREAD_ID = 8;
  public static final int PROCESS_ID = 12;
  public static final int TIME_STAMP = 16;
  public static final int PROVIDER_ID = 24;
  public static final int VERSION = 42;
  public static final int OPCODE = 45;
  public static final int EXTENDED_DATA_COUNT = 84;
  public static final int USER_DATA_LENGTH = 86;
  public static final int EXTENDED_DATA = 88;
  public static final int USER_DATA = 96;
  public static final int SIZE = 112;

  /** {@code EVENT_HEADER_EXTENDED_DATA_ITEM}: ExtType, DataSize, DataPtr, size. */
  public static final int EXT_TYPE = 2;

  public static final int EXT_DATA_SIZE = 6;
  public static final int EXT_DATA_PTR = 8;
  public static final int EXT_ITEM_SIZE = 16;

  /** {@code EVENT_EXTENDED_ITEM_STACK_TRACE64/32}: the addresses follow the 8-byte MatchId. */
  public static final int EXT_STACK_ADDRESSES = 8;
}
