package io.leakdetector.uprobes.bpf;

/**
 * The layout of the records the probe programs write into the ring buffer (native byte order):
 *
 * <pre>
 *  0  u64 time        bpf_ktime_get_ns(): CLOCK_MONOTONIC, the clock of System.nanoTime()
 *  8  u32 tid         the thread (low half of bpf_get_current_pid_tgid())
 * 12  u16 site        the probe site's index; u8 kind; u8 0
 * 16  u64 v0          entry: 1st argument; return: the result register
 * 24  u64 v1          entry: 2nd argument; posix_memalign return: memptr
 * 32  u64 v2          entry: 3rd argument; posix_memalign return: *memptr read at the return
 * 40  s32 stackBytes  return: bpf_get_stack()'s result (bytes of frames, or a negative errno)
 * 44  u32 flags       return: FLAG_VALUE_READ when v2 holds *memptr
 * 48  u64 frames[]    return: the user callchain, innermost first (return address in the caller)
 *
 * after the room for maxStack frames (R = 48 + 8 * maxStack), return records only:
 * R+0  u64 ip          the user registers at the return: the return address in the caller,
 * R+8  u64 sp          the caller's stack pointer
 * R+16 u64 bp          and its frame pointer
 * R+24 u32 copied      bytes of user stack copied (a multiple of {@link #STACK_CHUNK}; may be less
 *                      than asked for where the stack ends)
 * R+32 u8  stack[]     the copy, from sp rounded down to {@link #STACK_CHUNK} bytes
 * </pre>
 *
 * Entry records end after {@code v2}; return records are reserved with room for the deepest stack
 * and the stack copy asked for; an exec record ({@link #KIND_EXEC}) ends after the site word.
 */
public final class ProbeRecord {
  private ProbeRecord() {}

  public static final int TIME = 0;
  public static final int TID = 8;
  public static final int SITE = 12;
  public static final int KIND = 14;
  public static final int V0 = 16;
  public static final int V1 = 24;
  public static final int V2 = 32;
  public static final int STACK_BYTES = 40;
  public static final int FLAGS = 44;
  public static final int FRAMES = 48;

  public static final int ENTRY_SIZE = 40;

  public static final int KIND_ENTRY = 1;
  public static final int KIND_RETURN = 2;

  /**
   * The process started a new program (its dynamic loader's first instruction ran): a record of
   * time, tid and site word only ({@link #EXEC_SIZE} bytes).
   */
  public static final int KIND_EXEC = 3;

  public static final int EXEC_SIZE = 16;

  /** {@code v2} holds the word read at {@code v1} (posix_memalign's result pointer). */
  public static final int FLAG_VALUE_READ = 1;

  /**
   * The stack is copied in aligned chunks of this many bytes: a chunk never straddles a page, so
   * the copy ends exactly where the stack's mapping does.
   */
  public static final int STACK_CHUNK = 512;

  public static final int REG_IP = 0;
  public static final int REG_SP = 8;
  public static final int REG_BP = 16;
  public static final int STACK_COPIED = 24;
  public static final int STACK_COPY = 32;

  /** Where the registers of a return record start, after the room for {@code maxStack} frames. */
  public static int registers(int maxStack) {
    return FRAMES + 8 * maxStack;
  }

  /** The size of a return record with room for {@code maxStack} frames and no stack copy. */
  public static int returnSize(int maxStack) {
    return returnSize(maxStack, 0);
  }

  /**
   * The size of a return record with room for {@code maxStack} frames and a stack copy of {@code
   * stackCopy} bytes.
   */
  public static int returnSize(int maxStack, int stackCopy) {
    return registers(maxStack) + STACK_COPY + stackCopy;
  }

  /** The u32 at {@link #SITE}: the site index and the kind. */
  static int siteWord(int site, int kind) {
    return (site & 0xFFFF) | (kind & 0xFF) << 16;
  }
}
