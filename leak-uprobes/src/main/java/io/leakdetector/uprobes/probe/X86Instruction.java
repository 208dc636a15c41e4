package io.leakdetector.uprobes.probe;

/**
 * What the probe placement needs to know of one x86-64 instruction.
 *
 * @param length its length in bytes
 * @param category see {@link Category}
 * @param writtenRegister the general register it writes (x86 encoding number, 0 = rax … 15 = r15),
 *     or -1 when it writes none (flags aside)
 */
public record X86Instruction(int length, Category category, int writtenRegister) {

  /** How a uprobe on, or past, this instruction behaves. */
  public enum Category {
    /**
     * The kernel emulates it when it hits a probe there (push of a register, relative jumps, calls
     * and conditional jumps, nop): no single step.
     */
    EMULATED,
    /**
     * It changes no memory, no stack pointer and no control flow; at most the flags and {@link
     * #writtenRegister()}. A probe may be placed after it when the registers it writes are not read
     * by the probe.
     */
    SIDE_EFFECT_FREE,
    /** Anything else, or not decoded. */
    OTHER
  }

  public static final int RAX = 0;
  public static final int RDX = 2;
  public static final int RSP = 4;
  public static final int RSI = 6;
  public static final int RDI = 7;

  static X86Instruction other(int length) {
    return new X86Instruction(length, Category.OTHER, -1);
  }
}
