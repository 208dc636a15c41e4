package io.leakdetector.etw.decode;

import java.util.UUID;

/**
 * Provider GUIDs, and each as the two little-endian 64-bit words it occupies in an event header (so
 * a provider is recognised with two {@code long} compares). Sources: kerneltraceeventparser.mof
 * (HeapTraceProvider, StackWalk, Lost_Event, Image, Process) in microsoft/perfview; the xperf
 * AutoLogger page (heap GUID as session GUID). None is defined by mingw-w64.
 */
public final class EtwGuids {
  private EtwGuids() {}

  /** The heap trace provider, also the GUID the heap session must be started with. */
  public static final UUID HEAP_PROVIDER = UUID.fromString("222962ab-6180-4b88-a825-346b75f2a24a");

  public static final UUID STACK_WALK = UUID.fromString("def2fe46-7bd6-4b80-bd94-f57fe20d0ce3");

  /** Real-time lost-event notifications (RT_LostEvent, opcodes 32, 33, 34). */
  public static final UUID LOST_EVENT = UUID.fromString("6a399ae0-4bc6-4de9-870b-3657f8947e7e");

  /** Kernel image events (MOF class Image: Load 10, Unload 2, DCStart 3, DCEnd 4). */
  public static final UUID IMAGE = UUID.fromString("2cb15d1d-5fc1-11d2-abe1-00a0c911f518");

  /** Kernel process events (MOF class Process: Start 1, End 2, DCStart 3, DCEnd 4). */
  public static final UUID PROCESS = UUID.fromString("3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c");

  static final long IMAGE_LO = low(IMAGE);
  static final long IMAGE_HI = high(IMAGE);
  static final long PROCESS_LO = low(PROCESS);
  static final long PROCESS_HI = high(PROCESS);
  static final long HEAP_LO = low(HEAP_PROVIDER);
  static final long HEAP_HI = high(HEAP_PROVIDER);
  static final long STACK_LO = low(STACK_WALK);
  static final long STACK_HI = high(STACK_WALK);
  static final long LOST_LO = low(LOST_EVENT);
  static final long LOST_HI = high(LOST_EVENT);

  /** The first 8 bytes of the in-memory GUID (Data1, Data2, Data3) read as a little-endian long. */
  public static long low(UUID uuid) {
    long msb = uuid.getMostSignificantBits();
    long data1 = msb >>> 32;
    long data2 = (msb >>> 16) & 0xFFFF;
    long data3 = msb & 0xFFFF;
    return data1 | (data2 << 32) | (data3 << 48);
  }

  /** The last 8 bytes (Data4, in order) read as a little-endian long. */
  public static long high(UUID uuid) {
    return Long.reverseBytes(uuid.getLeastSignificantBits());
  }
}
