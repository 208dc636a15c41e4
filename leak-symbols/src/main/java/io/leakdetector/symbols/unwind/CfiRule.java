package io.leakdetector.symbols.unwind;

/**
 * One row of a {@link CfiTable}, packed into a {@code long}: how to find the caller's frame from
 * the registers of the frame that executes an address.
 *
 * <ul>
 *   <li>CFA (the stack pointer just before the call into this frame): {@link #CFA_SP} {@code sp +
 *       offset}, {@link #CFA_FP} {@code fp + offset} (rbp, x29), {@link #CFA_PLT} the x86-64 PLT
 *       stub's expression {@code rsp + offset + ((rip & 15) >= threshold ? 8 : 0)}, {@link
 *       #CFA_UNSUPPORTED} anything else (another register, a DWARF expression), or {@link
 *       #CFA_NONE}: no call frame information covers the address.
 *   <li>Return address: {@link #REG_AT} saved at {@code CFA + offset} (x86-64: CFA − 8), {@link
 *       #REG_SAME} still in its register (aarch64's x30), {@link #REG_UNDEFINED} (the outermost
 *       frame: {@code _start}, a thread's start), or {@link #REG_UNSUPPORTED}.
 *   <li>Frame pointer (rbp, x29): {@link #REG_SAME} unchanged, {@link #REG_AT} saved at {@code CFA
 *       + offset}, {@link #REG_UNDEFINED}, or {@link #REG_UNSUPPORTED} (kept in another register,
 *       an expression).
 * </ul>
 *
 * Layout: bits 0–2 CFA kind, 3–4 return-address kind, 5–6 frame-pointer kind, 7 return address
 * signed (aarch64 pointer authentication), 8–11 PLT threshold, 12–21 return-address offset / 8
 * (signed), 22–31 frame-pointer offset / 8 (signed), 32–63 CFA offset (signed). A saved register
 * whose offset is not a multiple of 8 or lies more than 4 KiB from the CFA is {@link
 * #REG_UNSUPPORTED}; a CFA offset beyond ±2 GiB is {@link #CFA_UNSUPPORTED}. The value 0 is {@link
 * #NONE}.
 */
public final class CfiRule {
  public static final int CFA_NONE = 0;
  public static final int CFA_SP = 1;
  public static final int CFA_FP = 2;
  public static final int CFA_UNSUPPORTED = 3;
  public static final int CFA_PLT = 4;

  public static final int REG_AT = 0;
  public static final int REG_SAME = 1;
  public static final int REG_UNDEFINED = 2;
  public static final int REG_UNSUPPORTED = 3;

  /** No call frame information for the address. */
  public static final long NONE = 0;

  /** Call frame information that could not be read: nothing about the frame is known. */
  public static final long UNSUPPORTED = 3 | 3 << 3 | 3 << 5;

  private static final int SAVED_OFFSET_BITS = 10;
  private static final int SAVED_OFFSET_LIMIT = 1 << (SAVED_OFFSET_BITS - 1);

  private CfiRule() {}

  /**
   * Packs a rule; a kind that cannot carry its offset (see the class comment) is packed as
   * unsupported.
   *
   * @param cfaKind {@code CFA_*}
   * @param cfaOffset added to the CFA's base register (PLT: the offset before the conditional 8)
   * @param raKind {@code REG_*} of the return address
   * @param raOffset for {@link #REG_AT}: where it is saved, relative to the CFA
   * @param fpKind {@code REG_*} of the frame pointer
   * @param fpOffset for {@link #REG_AT}: where it is saved, relative to the CFA
   */
  public static long of(
      int cfaKind, long cfaOffset, int raKind, long raOffset, int fpKind, long fpOffset) {
    return of(cfaKind, cfaOffset, raKind, raOffset, fpKind, fpOffset, 0, false);
  }

  static long of(
      int cfaKind,
      long cfaOffset,
      int raKind,
      long raOffset,
      int fpKind,
      long fpOffset,
      int pltThreshold,
      boolean raSigned) {
    if (cfaKind == CFA_NONE) {
      return NONE;
    }
    if (cfaKind == CFA_UNSUPPORTED || cfaOffset != (int) cfaOffset) {
      cfaKind = CFA_UNSUPPORTED;
      cfaOffset = 0;
    }
    if (raKind != REG_AT || !fitsSavedOffset(raOffset)) {
      raKind = raKind == REG_AT ? REG_UNSUPPORTED : raKind;
      raOffset = 0;
    }
    if (fpKind != REG_AT || !fitsSavedOffset(fpOffset)) {
      fpKind = fpKind == REG_AT ? REG_UNSUPPORTED : fpKind;
      fpOffset = 0;
    }
    return cfaKind
        | (long) raKind << 3
        | (long) fpKind << 5
        | (raSigned ? 1L << 7 : 0)
        | (long) (cfaKind == CFA_PLT ? pltThreshold & 15 : 0) << 8
        | ((raOffset >> 3) & ((1L << SAVED_OFFSET_BITS) - 1)) << 12
        | ((fpOffset >> 3) & ((1L << SAVED_OFFSET_BITS) - 1)) << 22
        | cfaOffset << 32;
  }

  private static boolean fitsSavedOffset(long offset) {
    return (offset & 7) == 0
        && offset >> 3 >= -SAVED_OFFSET_LIMIT
        && offset >> 3 < SAVED_OFFSET_LIMIT;
  }

  public static int cfaKind(long rule) {
    return (int) rule & 7;
  }

  public static long cfaOffset(long rule) {
    return rule >> 32;
  }

  public static int raKind(long rule) {
    return (int) (rule >> 3) & 3;
  }

  public static long raOffset(long rule) {
    return (rule << (64 - 12 - SAVED_OFFSET_BITS)) >> (64 - SAVED_OFFSET_BITS) << 3;
  }

  public static int fpKind(long rule) {
    return (int) (rule >> 5) & 3;
  }

  public static long fpOffset(long rule) {
    return (rule << (64 - 22 - SAVED_OFFSET_BITS)) >> (64 - SAVED_OFFSET_BITS) << 3;
  }

  /** For {@link #CFA_PLT}: 8 is added to the CFA when {@code (pc & 15) >= threshold}. */
  public static int pltThreshold(long rule) {
    return (int) (rule >> 8) & 15;
  }

  /**
   * Whether the saved return address is signed (aarch64 {@code DW_CFA_AARCH64_negate_ra_state}).
   */
  public static boolean raSigned(long rule) {
    return (rule & (1L << 7)) != 0;
  }

  /**
   * The rule as {@code readelf --debug-dump=frames-interp} would show its three columns, e.g.
   * {@code "rsp+16 ra=c-8 rbp=c-16"}; register names are x86-64's.
   */
  public static String toString(long rule) {
    if (cfaKind(rule) == CFA_NONE) {
      return "none";
    }
    String cfa =
        switch (cfaKind(rule)) {
          case CFA_SP -> "rsp" + signed(cfaOffset(rule));
          case CFA_FP -> "rbp" + signed(cfaOffset(rule));
          case CFA_PLT -> "plt(rsp" + signed(cfaOffset(rule)) + ",>=" + pltThreshold(rule) + ")";
          default -> "unsupported";
        };
    return cfa
        + " ra="
        + register(raKind(rule), raOffset(rule))
        + (raSigned(rule) ? "(signed)" : "")
        + " rbp="
        + register(fpKind(rule), fpOffset(rule));
  }

  private static String register(int kind, long offset) {
    return switch (kind) {
      case REG_AT -> "c" + signed(offset);
      case REG_SAME -> "same";
      case REG_UNDEFINED -> "undefined";
      default -> "unsupported";
    };
  }

  private static String signed(long value) {
    return value < 0 ? Long.toString(value) : "+" + value;
  }
}
