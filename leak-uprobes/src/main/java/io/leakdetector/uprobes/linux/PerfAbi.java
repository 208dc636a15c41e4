package io.leakdetector.uprobes.linux;

/**
 * Numbers of the perf_event_open ABI that this source uses, as the kernel's uapi header {@code
 * linux/perf_event.h} defines them. A test compiles a C program against that header and compares
 * every value here byte for byte.
 */
public final class PerfAbi {
  private PerfAbi() {}

  /** {@code PERF_ATTR_SIZE_VER7}: the attr size written into {@code perf_event_attr.size}. */
  public static final int ATTR_SIZE = 128;

  // perf_event_attr field offsets (bytes)
  public static final int ATTR_TYPE = 0;
  public static final int ATTR_SIZE_FIELD = 4;
  public static final int ATTR_CONFIG = 8;
  public static final int ATTR_SAMPLE_PERIOD = 16;
  public static final int ATTR_SAMPLE_TYPE = 24;
  public static final int ATTR_READ_FORMAT = 32;

  /** The 64-bit word holding {@code disabled}, {@code inherit}, … as bit fields. */
  public static final int ATTR_FLAGS = 40;

  public static final int ATTR_WAKEUP_WATERMARK = 48;
  public static final int ATTR_CONFIG1 = 56;
  public static final int ATTR_CONFIG2 = 64;
  public static final int ATTR_SAMPLE_REGS_USER = 80;
  public static final int ATTR_SAMPLE_STACK_USER = 88;
  public static final int ATTR_CLOCKID = 92;
  public static final int ATTR_SAMPLE_MAX_STACK = 108;

  // bit numbers inside the flags word
  public static final int BIT_DISABLED = 0;
  public static final int BIT_INHERIT = 1;
  public static final int BIT_EXCLUDE_KERNEL = 5;
  public static final int BIT_EXCLUDE_HV = 6;
  public static final int BIT_MMAP = 8;
  public static final int BIT_COMM = 9;
  public static final int BIT_ENABLE_ON_EXEC = 12;
  public static final int BIT_TASK = 13;
  public static final int BIT_WATERMARK = 14;
  public static final int BIT_SAMPLE_ID_ALL = 18;
  public static final int BIT_EXCLUDE_CALLCHAIN_KERNEL = 21;
  public static final int BIT_MMAP2 = 23;
  public static final int BIT_USE_CLOCKID = 25;
  public static final int BIT_INHERIT_THREAD = 35;

  // perf_type_id / sw ids
  public static final int TYPE_SOFTWARE = 1;
  public static final int COUNT_SW_DUMMY = 9;

  // perf_event_sample_format
  public static final long SAMPLE_TID = 1L << 1;
  public static final long SAMPLE_TIME = 1L << 2;
  public static final long SAMPLE_CALLCHAIN = 1L << 5;
  public static final long SAMPLE_REGS_USER = 1L << 12;
  public static final long SAMPLE_STACK_USER = 1L << 13;
  public static final long SAMPLE_IDENTIFIER = 1L << 16;

  /** {@code PERF_SAMPLE_REGS_ABI_64}. */
  public static final long REGS_ABI_64 = 2;

  // perf_event_type
  public static final int RECORD_MMAP = 1;
  public static final int RECORD_LOST = 2;
  public static final int RECORD_COMM = 3;
  public static final int RECORD_EXIT = 4;
  public static final int RECORD_FORK = 7;
  public static final int RECORD_SAMPLE = 9;
  public static final int RECORD_MMAP2 = 10;
  public static final int RECORD_LOST_SAMPLES = 13;

  /** {@code PERF_RECORD_MISC_MMAP_BUILD_ID}: an MMAP2 record carries a build id, not dev/inode. */
  public static final int MISC_MMAP_BUILD_ID = 1 << 14;

  /** {@code PERF_CONTEXT_MAX}: callchain entries at or above this (unsigned) are markers. */
  public static final long CONTEXT_MAX = -4095L;

  /** {@code PERF_CONTEXT_USER}. */
  public static final long CONTEXT_USER = -512L;

  // ioctls
  public static final long IOC_ENABLE = 0x2400L;
  public static final long IOC_DISABLE = 0x2401L;
  public static final long IOC_SET_OUTPUT = 0x2405L;
  public static final long IOC_ID = 0x80082407L;

  /** {@code PERF_EVENT_IOC_SET_BPF}: runs a BPF program at each of the event's hits. */
  public static final long IOC_SET_BPF = 0x40042408L;

  /** {@code PERF_FLAG_FD_CLOEXEC}. */
  public static final long FLAG_FD_CLOEXEC = 1L << 3;

  // perf_event_mmap_page
  public static final int PAGE_DATA_HEAD = 1024;
  public static final int PAGE_DATA_TAIL = 1032;
  public static final int PAGE_DATA_OFFSET = 1040;
  public static final int PAGE_DATA_SIZE = 1048;

  /** {@code CLOCK_MONOTONIC}, the clock of {@link System#nanoTime()} on Linux. */
  public static final int CLOCK_MONOTONIC = 1;
}
