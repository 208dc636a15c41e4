package io.leakdetector.uprobes.linux;

import java.util.Optional;

/**
 * What differs between the CPU architectures this source runs on: system call numbers and the perf
 * register numbers of the argument, result, stack pointer, frame pointer and instruction pointer
 * registers ({@code asm/perf_regs.h}).
 *
 * @param name {@code os.arch} value
 * @param perfEventOpen {@code SYS_perf_event_open}
 * @param pidfdOpen {@code SYS_pidfd_open}
 * @param processVmReadv {@code SYS_process_vm_readv}
 * @param arg0 perf register of the first integer argument
 * @param arg1 second argument
 * @param arg2 third argument
 * @param result register holding a function's result
 * @param result2 second result register (x86-64 {@code %rdx}); -1 when not sampled
 * @param stackPointer stack pointer register
 * @param framePointer frame pointer register (x86-64 {@code %rbp}, aarch64 {@code x29})
 * @param instructionPointer instruction pointer (x86-64 {@code %rip}, aarch64 {@code pc})
 * @param placesProbesAfterPrologue whether probe placement past the first instruction is
 *     implemented (x86-64 only)
 */
public record CpuArch(
    String name,
    long perfEventOpen,
    long pidfdOpen,
    long processVmReadv,
    int arg0,
    int arg1,
    int arg2,
    int result,
    int result2,
    int stackPointer,
    int framePointer,
    int instructionPointer,
    boolean placesProbesAfterPrologue) {

  public static final CpuArch X86_64 =
      new CpuArch("amd64", 298, 434, 310, 5, 4, 3, 0, 3, 7, 6, 8, true);
  public static final CpuArch AARCH64 =
      new CpuArch("aarch64", 241, 434, 270, 0, 1, 2, 0, -1, 31, 29, 32, false);

  /** The architecture of this JVM, if supported. */
  public static Optional<CpuArch> current() {
    String arch = System.getProperty("os.arch", "");
    return switch (arch) {
      case "amd64", "x86_64" -> Optional.of(X86_64);
      case "aarch64" -> Optional.of(AARCH64);
      default -> Optional.empty();
    };
  }

  /** {@code SYS_gettid} (glibc's own {@code gettid()} is only in 2.30 and later). */
  public long gettid() {
    return name.equals("aarch64") ? 178 : 186;
  }

  /**
   * The instruction the kernel writes at a uprobe ({@code UPROBE_SWBP_INSN}), as bytes in memory:
   * {@code int3} on x86-64, {@code brk #5} on aarch64.
   */
  public byte[] uprobeBreakpoint() {
    return name.equals("aarch64")
        ? new byte[] {(byte) 0xa0, 0x00, 0x20, (byte) 0xd4}
        : new byte[] {(byte) 0xcc};
  }

  /** Registers sampled at an entry probe: the three argument registers. */
  public long entryRegsMask() {
    return (1L << arg0) | (1L << arg1) | (1L << arg2);
  }

  /** Registers sampled at a return probe: the result (and second result where there is one). */
  public long returnRegsMask() {
    return (1L << result) | (result2 >= 0 ? 1L << result2 : 0);
  }

  /**
   * Registers sampled at a return probe whose sample carries a user stack dump: the result
   * register(s) and the stack pointer (where the dump starts), and with {@code unwind} also the
   * instruction and frame pointers an unwinder starts from.
   */
  public long dumpRegsMask(boolean unwind) {
    long mask = returnRegsMask() | 1L << stackPointer;
    return unwind ? mask | 1L << framePointer | 1L << instructionPointer : mask;
  }

  /** The position of {@code reg} among the registers a sample with {@code mask} carries. */
  public static int slotOf(long mask, int reg) {
    return Long.bitCount(mask & ((1L << reg) - 1));
  }
}
