package io.leakdetector.uprobes.probe;

import io.leakdetector.uprobes.probe.X86Instruction.Category;

/**
 * Where in a function to put its probe. A uprobe on an instruction the kernel must single-step
 * costs about ten times one it emulates (see the module README). When the first instruction is not
 * emulated but is followed, after at most {@link #MAX_SKIPPED} side-effect-free instructions, by
 * one that is, the probe goes there — if that is provably the same as probing the entry:
 *
 * <ul>
 *   <li>the skipped instructions write no argument register ({@code rdi}, {@code rsi}, {@code rdx})
 *       and not the stack pointer, so an entry probe reads the same arguments and a return probe
 *       finds the return address at {@code [rsp]} as it would at the entry;
 *   <li>they store nothing and do not branch, so every call that reaches the entry reaches the
 *       probe;
 *   <li>nothing else branches to the probe or into the skipped bytes (checked by {@link
 *       BranchTargets} over the whole executable segment), so the probe fires only for calls.
 * </ul>
 *
 * Otherwise the probe stays at the entry. The placement is for x86-64 only.
 */
public final class ProbePlacement {
  /** At most this many instructions are skipped. */
  public static final int MAX_SKIPPED = 2;

  /** Bytes of a function's start that the placement looks at. */
  public static final int WINDOW = 32;

  private ProbePlacement() {}

  /**
   * The offset from the function's entry at which to probe, before the branch-target check.
   *
   * @param code the first bytes of the function
   */
  public static int candidateOffset(byte[] code) {
    int offset = 0;
    for (int skipped = 0; skipped <= MAX_SKIPPED; skipped++) {
      X86Instruction insn = X86Decoder.decode(code, offset);
      if (insn == null) {
        return 0;
      }
      if (insn.category() == Category.EMULATED) {
        return offset;
      }
      if (insn.category() != Category.SIDE_EFFECT_FREE || !keepsArguments(insn)) {
        return 0;
      }
      offset += insn.length();
    }
    return 0;
  }

  private static boolean keepsArguments(X86Instruction insn) {
    int r = insn.writtenRegister();
    return r != X86Instruction.RDI
        && r != X86Instruction.RSI
        && r != X86Instruction.RDX
        && r != X86Instruction.RSP;
  }
}
