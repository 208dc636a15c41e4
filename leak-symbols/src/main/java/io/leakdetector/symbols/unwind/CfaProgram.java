package io.leakdetector.symbols.unwind;

import java.util.Arrays;

/**
 * Runs the call frame instructions of one frame description (after its CIE's initial instructions)
 * and hands each row to a {@link RowSink} as a packed {@link CfiRule}. Only the columns an unwinder
 * of ours reads are tracked: the CFA, the return address, the frame pointer and the stack pointer
 * (whose own rule must be the CFA for the CFA to be the caller's stack pointer).
 *
 * <p>One instance is reused for every description of a table; it is not thread-safe.
 */
final class CfaProgram {
  /** Receives the rows of a description, in address order. */
  interface RowSink {
    void row(long address, long rule);
  }

  // How a register column is recovered (readelf's names in comments).
  private static final int UNREFERENCED = 0; // never mentioned: "same value" for callee-saved
  private static final int SAME = 1; // s
  private static final int UNDEFINED = 2; // u
  private static final int OFFSET = 3; // c+N
  private static final int VAL_OFFSET = 4; // v+N
  private static final int REGISTER = 5; // rN
  private static final int EXPRESSION = 6; // exp
  private static final int VAL_EXPRESSION = 7; // vexp

  // How the CFA is computed besides register + offset.
  private static final int CFA_REGISTER = 0;
  private static final int CFA_PLT = 1;
  private static final int CFA_EXPRESSION = 2;

  // State slots.
  private static final int CFA_REG = 0;
  private static final int CFA_OFF = 1;
  private static final int CFA_HOW = 2;
  private static final int PLT_THRESHOLD = 3;
  private static final int RA_HOW = 4;
  private static final int RA_VALUE = 5;
  private static final int FP_HOW = 6;
  private static final int FP_VALUE = 7;
  private static final int SP_HOW = 8;
  private static final int SP_VALUE = 9;
  private static final int RA_SIGNED = 10;
  private static final int SLOTS = 11;

  /** remember_state nesting beyond this is taken for damage. */
  private static final int MAX_REMEMBERED = 256;

  private final CfiArchitecture architecture;
  private final long[] state = new long[SLOTS];
  private final long[] initial = new long[SLOTS];
  private long[] remembered = new long[SLOTS * 8];
  private int rememberedCount;

  private CommonInformation cie;
  private PointerBases bases;
  private long location;
  private RowSink sink;

  CfaProgram(CfiArchitecture architecture) {
    this.architecture = architecture;
  }

  /**
   * Emits the rows of {@code fde}. Instructions that cannot be read end the description with an
   * unsupported row from where they start, so the damage is visible and never guessed over.
   *
   * @return whether the instructions could be read to their end
   */
  boolean run(FrameDescription fde, RowSink sink) {
    this.cie = fde.cie();
    this.bases = fde.section().bases();
    this.sink = sink;
    this.location = fde.start();
    Arrays.fill(state, 0);
    state[CFA_REG] = -1;
    System.arraycopy(state, 0, initial, 0, SLOTS);
    rememberedCount = 0;
    CommonInformation c = fde.cie();
    try {
      execute(
          new CfiCursor(fde.section().data(), c.instructionsStart(), c.instructionsEnd()), null);
      location = fde.start();
      System.arraycopy(state, 0, initial, 0, SLOTS);
      rememberedCount = 0;
      execute(
          new CfiCursor(fde.section().data(), fde.instructionsStart(), fde.instructionsEnd()),
          sink);
      sink.row(location, pack());
      return true;
    } catch (MalformedCfiException e) {
      sink.row(location, CfiRule.UNSUPPORTED);
      return false;
    }
  }

  private void execute(CfiCursor in, RowSink rows) {
    while (in.hasMore()) {
      int op = in.u8();
      int operand = op & 0x3f;
      switch (op & 0xc0) {
        case 0x40 -> advance(operand * cie.codeAlignment(), rows);
        case 0x80 -> set(operand, OFFSET, in.uleb() * cie.dataAlignment());
        case 0xc0 -> restore(operand);
        default -> extended(op, in, rows);
      }
    }
  }

  private void extended(int op, CfiCursor in, RowSink rows) {
    switch (op) {
      case 0x00 -> {} // DW_CFA_nop
      case 0x01 -> { // DW_CFA_set_loc
        long target =
            cie.fdeEncoding() >= 0
                ? in.pointer(cie.fdeEncoding(), bases, 0)
                : in.address(cie.addressSize());
        moveTo(target, rows);
      }
      case 0x02 -> advance(in.u8() * cie.codeAlignment(), rows);
      case 0x03 -> advance(in.u16() * cie.codeAlignment(), rows);
      case 0x04 -> advance(in.u32() * cie.codeAlignment(), rows);
      case 0x05 -> { // DW_CFA_offset_extended
        int register = in.ulebInt();
        set(register, OFFSET, in.uleb() * cie.dataAlignment());
      }
      case 0x06 -> restore(in.ulebInt()); // DW_CFA_restore_extended
      case 0x07 -> set(in.ulebInt(), UNDEFINED, 0);
      case 0x08 -> set(in.ulebInt(), SAME, 0);
      case 0x09 -> { // DW_CFA_register
        int register = in.ulebInt();
        set(register, REGISTER, in.uleb());
      }
      case 0x0a -> remember();
      case 0x0b -> restoreRemembered();
      case 0x0c -> { // DW_CFA_def_cfa
        state[CFA_REG] = in.ulebInt();
        state[CFA_OFF] = in.uleb();
        state[CFA_HOW] = CFA_REGISTER;
      }
      case 0x0d -> { // DW_CFA_def_cfa_register (keeps the offset, as readelf and libgcc do)
        state[CFA_REG] = in.ulebInt();
        state[CFA_HOW] = CFA_REGISTER;
      }
      case 0x0e -> state[CFA_OFF] = in.uleb(); // DW_CFA_def_cfa_offset
      case 0x0f -> defCfaExpression(in); // DW_CFA_def_cfa_expression
      case 0x10 -> { // DW_CFA_expression
        int register = in.ulebInt();
        in.skip(in.uleb());
        set(register, EXPRESSION, 0);
      }
      case 0x11 -> { // DW_CFA_offset_extended_sf
        int register = in.ulebInt();
        set(register, OFFSET, in.sleb() * cie.dataAlignment());
      }
      case 0x12 -> { // DW_CFA_def_cfa_sf
        state[CFA_REG] = in.ulebInt();
        state[CFA_OFF] = in.sleb() * cie.dataAlignment();
        state[CFA_HOW] = CFA_REGISTER;
      }
      case 0x13 -> state[CFA_OFF] = in.sleb() * cie.dataAlignment(); // DW_CFA_def_cfa_offset_sf
      case 0x14 -> { // DW_CFA_val_offset
        int register = in.ulebInt();
        set(register, VAL_OFFSET, in.uleb() * cie.dataAlignment());
      }
      case 0x15 -> { // DW_CFA_val_offset_sf
        int register = in.ulebInt();
        set(register, VAL_OFFSET, in.sleb() * cie.dataAlignment());
      }
      case 0x16 -> { // DW_CFA_val_expression
        int register = in.ulebInt();
        in.skip(in.uleb());
        set(register, VAL_EXPRESSION, 0);
      }
      case 0x1d -> advance(in.u64() * cie.codeAlignment(), rows); // DW_CFA_MIPS_advance_loc8
      case 0x2d -> { // DW_CFA_AARCH64_negate_ra_state (DW_CFA_GNU_window_save elsewhere)
        if (architecture.isX86()) {
          throw new MalformedCfiException("DW_CFA_GNU_window_save on x86-64");
        }
        state[RA_SIGNED] ^= 1;
      }
      case 0x2e -> in.uleb(); // DW_CFA_GNU_args_size: only landing pads need it
      case 0x2f -> { // DW_CFA_GNU_negative_offset_extended
        int register = in.ulebInt();
        set(register, OFFSET, -in.uleb() * cie.dataAlignment());
      }
      default ->
          throw new MalformedCfiException(
              "unknown call frame instruction 0x" + Integer.toHexString(op));
    }
  }

  private void advance(long delta, RowSink rows) {
    moveTo(location + delta, rows);
  }

  private void moveTo(long target, RowSink rows) {
    if (Long.compareUnsigned(target, location) < 0) {
      throw new MalformedCfiException("a row goes back in the address space");
    }
    if (rows != null) {
      rows.row(location, pack());
    }
    location = target;
  }

  private void set(int register, int how, long value) {
    int slot = slotOf(register);
    if (slot >= 0) {
      state[slot] = how;
      state[slot + 1] = value;
    }
  }

  private void restore(int register) {
    int slot = slotOf(register);
    if (slot >= 0) {
      state[slot] = initial[slot];
      state[slot + 1] = initial[slot + 1];
    }
  }

  private int slotOf(int register) {
    if (register == cie.raColumn()) {
      return RA_HOW;
    }
    if (register == architecture.fpColumn()) {
      return FP_HOW;
    }
    if (register == architecture.spColumn()) {
      return SP_HOW;
    }
    return -1;
  }

  private void remember() {
    if (rememberedCount == MAX_REMEMBERED) {
      throw new MalformedCfiException("remember_state nested too deep");
    }
    if ((rememberedCount + 1) * SLOTS > remembered.length) {
      remembered = Arrays.copyOf(remembered, remembered.length * 2);
    }
    System.arraycopy(state, 0, remembered, rememberedCount * SLOTS, SLOTS);
    rememberedCount++;
  }

  private void restoreRemembered() {
    if (rememberedCount == 0) {
      throw new MalformedCfiException("restore_state without remember_state");
    }
    rememberedCount--;
    // Everything comes back, the return address's signing state too: GCC's aarch64 epilogues
    // negate it (autiasp) between remember_state and restore_state.
    System.arraycopy(remembered, rememberedCount * SLOTS, state, 0, SLOTS);
  }

  /**
   * A CFA expression: x86-64's PLT stubs share one, {@code DW_OP_breg7 (rsp) N; DW_OP_breg16 (rip)
   * 0; DW_OP_lit15; DW_OP_and; DW_OP_litT; DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus}, which the
   * table holds as {@link CfiRule#CFA_PLT}; every other expression is unsupported.
   */
  private void defCfaExpression(CfiCursor in) {
    long length = in.uleb();
    int start = in.position();
    in.skip(length);
    state[CFA_HOW] = CFA_EXPRESSION;
    if (architecture.isX86()) {
      matchPlt(in.sub(start, start + (int) length));
    }
  }

  private void matchPlt(CfiCursor expression) {
    try {
      if (expression.u8() != 0x77) {
        return;
      }
      long offset = expression.sleb();
      boolean matches =
          expression.u8() == 0x80
              && expression.sleb() == 0
              && expression.u8() == 0x3f
              && expression.u8() == 0x1a;
      int threshold = matches ? expression.u8() - 0x30 : -1;
      if (threshold >= 0
          && threshold <= 15
          && expression.u8() == 0x2a
          && expression.u8() == 0x33
          && expression.u8() == 0x24
          && expression.u8() == 0x22
          && !expression.hasMore()) {
        state[CFA_HOW] = CFA_PLT;
        state[CFA_OFF] = offset;
        state[PLT_THRESHOLD] = threshold;
      }
    } catch (MalformedCfiException e) {
      // a shorter expression: not the PLT's, so it stays unsupported
    }
  }

  private long pack() {
    int cfaKind;
    long how = state[SP_HOW];
    boolean spIsCfa = how == UNREFERENCED || how == VAL_OFFSET && state[SP_VALUE] == 0;
    if (!spIsCfa) {
      cfaKind = CfiRule.CFA_UNSUPPORTED;
    } else if (state[CFA_HOW] == CFA_PLT) {
      cfaKind = CfiRule.CFA_PLT;
    } else if (state[CFA_HOW] != CFA_REGISTER) {
      cfaKind = CfiRule.CFA_UNSUPPORTED;
    } else if (state[CFA_REG] == architecture.spColumn()) {
      cfaKind = CfiRule.CFA_SP;
    } else if (state[CFA_REG] == architecture.fpColumn()) {
      cfaKind = CfiRule.CFA_FP;
    } else {
      cfaKind = CfiRule.CFA_UNSUPPORTED;
    }
    return CfiRule.of(
        cfaKind,
        state[CFA_OFF],
        kind(state[RA_HOW]),
        state[RA_VALUE],
        kind(state[FP_HOW]),
        state[FP_VALUE],
        (int) state[PLT_THRESHOLD],
        state[RA_SIGNED] != 0);
  }

  private static int kind(long how) {
    return switch ((int) how) {
      case UNREFERENCED, SAME -> CfiRule.REG_SAME;
      case UNDEFINED -> CfiRule.REG_UNDEFINED;
      case OFFSET -> CfiRule.REG_AT;
      default -> CfiRule.REG_UNSUPPORTED;
    };
  }
}
