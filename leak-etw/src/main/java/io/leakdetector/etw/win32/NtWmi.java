package io.leakdetector.etw.win32;

/**
 * Constants the ETW heap session needs that mingw-w64 does not define. Values and names are those
 * of ntwmi.h as published in winsiderss/phnt (commit 7e097448), which describes the enable-flags
 * extension that PerfView/TraceEvent ({@code ETWKernelControl.cs}) and the xperf AutoLogger
 * documentation use for heap tracing. A test asserts that mingw still lacks each one (so none of
 * them shadows a header value).
 */
public final class NtWmi {
  private NtWmi() {}

  /** {@code EnableFlags} marker for the extension format: flag 0x80, length 0xFF, offset below. */
  public static final int EVENT_TRACE_FLAG_EXT_ITEMS = 0x80FF0000;

  /** Pseudo length (the {@code Length} byte) that denotes the item-list format. */
  public static final int EVENT_TRACE_FLAG_EXT_LEN_NEW_STRUCT = 0xFF;

  /** Extension item: the process ids whose heaps are traced. */
  public static final int ETW_EXT_PIDS = 0x0002;

  /** Extension item: the hook ids (group | opcode) that get a stack walk. */
  public static final int ETW_EXT_STACKWALK_FILTER = 0x0003;

  /** At most this many hook ids in the stack-walk filter. */
  public static final int ETW_MAX_STACKWALK_FILTER = 256;

  /** The heap event group; a hook id is this group ORed with the event's opcode. */
  public static final int EVENT_TRACE_GROUP_HEAP = 0x1000;

  /** The stack-walk event group. */
  public static final int EVENT_TRACE_GROUP_STACKWALK = 0x1800;

  public static final int PERFINFO_LOG_TYPE_HEAP_ALLOC = EVENT_TRACE_GROUP_HEAP | 0x21;
  public static final int PERFINFO_LOG_TYPE_HEAP_REALLOC = EVENT_TRACE_GROUP_HEAP | 0x22;
  public static final int PERFINFO_LOG_TYPE_HEAP_DESTROY = EVENT_TRACE_GROUP_HEAP | 0x23;
  public static final int PERFINFO_LOG_TYPE_HEAP_FREE = EVENT_TRACE_GROUP_HEAP | 0x24;
  public static final int PERFINFO_LOG_TYPE_STACKWALK = EVENT_TRACE_GROUP_STACKWALK | 0x20;
}
