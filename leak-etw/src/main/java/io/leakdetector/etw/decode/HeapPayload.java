package io.leakdetector.etw.decode;

/**
 * Offsets in the heap events' payloads, which are packed and sized by the logging process's pointer
 * size {@code p} (8, or 4 for a 32-bit or WOW64 process). Source: the MOF classes HeapAlloc,
 * HeapRealloc, HeapFree, Heap_TypeGroup1 (microsoft/perfview kerneltraceeventparser.mof) and phnt
 * ntwmi.h's packed ETW_HEAP_EVENT_* structures; checked against those structures compiled by
 * x86_64- and i686-w64-mingw32-gcc. Later event versions may append fields, so a payload is
 * accepted when it is at least this long.
 */
public final class HeapPayload {
  private HeapPayload() {}

  public static final int HEAP_HANDLE = 0;

  public static int allocSize(int p) {
    return p;
  }

  public static int allocAddress(int p) {
    return 2 * p;
  }

  public static int allocLength(int p) {
    return 3 * p + 4;
  }

  public static int reallocNewAddress(int p) {
    return p;
  }

  public static int reallocOldAddress(int p) {
    return 2 * p;
  }

  public static int reallocNewSize(int p) {
    return 3 * p;
  }

  public static int reallocOldSize(int p) {
    return 4 * p;
  }

  public static int reallocLength(int p) {
    return 5 * p + 4;
  }

  public static int freeAddress(int p) {
    return p;
  }

  public static int freeLength(int p) {
    return 2 * p + 4;
  }

  public static int destroyLength(int p) {
    return p;
  }

  /** StackWalk_Event: the stacked event's raw timestamp, process and thread, then the frames. */
  public static final int STACK_EVENT_TIME_STAMP = 0;

  public static final int STACK_PROCESS = 8;
  public static final int STACK_THREAD = 12;
  public static final int STACK_FRAMES = 16;
}
