package io.leakdetector.uprobes.bpf;

import io.leakdetector.uprobes.linux.CpuArch;

/**
 * What a probe program needs to know of the CPU architecture: the {@code bpf} system call number
 * and where the registers it reads lie in its context, the {@code struct pt_regs} the kernel hands
 * a kprobe-type program (x86-64: {@code arch/x86/include/uapi/asm/ptrace.h}; aarch64: {@code struct
 * user_pt_regs} at the start of the kernel's {@code pt_regs}).
 *
 * @param bpfSyscall {@code __NR_bpf}
 * @param arg0 offset of the first integer argument register
 * @param arg1 second argument
 * @param arg2 third argument
 * @param result the register holding a function's result
 * @param stackPointer the stack pointer
 * @param instructionPointer the instruction pointer
 * @param framePointer the frame pointer (x86-64 rbp, aarch64 x29)
 */
public record BpfArch(
    long bpfSyscall,
    int arg0,
    int arg1,
    int arg2,
    int result,
    int stackPointer,
    int instructionPointer,
    int framePointer) {

  /** x86-64: rdi 112, rsi 104, rdx 96, rax 80, rsp 152, rip 128, rbp 32. */
  public static final BpfArch X86_64 = new BpfArch(321, 112, 104, 96, 80, 152, 128, 32);

  /** aarch64: x0 0, x1 8, x2 16 (x0 also holds the result), sp 248, pc 256, x29 232. */
  public static final BpfArch AARCH64 = new BpfArch(280, 0, 8, 16, 0, 248, 256, 232);

  public static BpfArch of(CpuArch arch) {
    return arch.name().equals("aarch64") ? AARCH64 : X86_64;
  }
}
