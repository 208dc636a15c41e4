package io.leakdetector.uprobes.probe;

/**
 * A conservative search for relative branches into a range of code. Every byte position of the code
 * is read as if a relative jump, conditional jump, call, {@code loop} or {@code jrcxz} started
 * there, whether or not an instruction really starts there; so the answer may be a false "yes"
 * (which only keeps a probe at a function's entry) but never a false "no" for direct branches.
 * Indirect branches (jump tables, function pointers) are not seen; compilers do not point those
 * into a function's first instructions.
 */
public final class BranchTargets {
  private BranchTargets() {}

  /**
   * For each range {@code (low[i], high[i]]} (addresses, as {@code code[0]} is at {@code base}),
   * whether some position in {@code code} branches into it.
   */
  public static boolean[] anyInto(byte[] code, long base, long[] low, long[] high) {
    boolean[] hit = new boolean[low.length];
    int n = code.length;
    for (int i = 0; i < n; i++) {
      int op = code[i] & 0xFF;
      long target;
      if ((op >= 0x70 && op <= 0x7F) || op == 0xEB || (op >= 0xE0 && op <= 0xE3)) {
        if (i + 1 >= n) {
          continue;
        }
        target = base + i + 2 + code[i + 1];
        mark(target, low, high, hit);
      }
      if ((op == 0xE8 || op == 0xE9) && i + 4 < n) {
        target = base + i + 5 + int32(code, i + 1);
        mark(target, low, high, hit);
      }
      if (op == 0x0F && i + 5 < n && (code[i + 1] & 0xF0) == 0x80) {
        target = base + i + 6 + int32(code, i + 2);
        mark(target, low, high, hit);
      }
    }
    return hit;
  }

  private static void mark(long target, long[] low, long[] high, boolean[] hit) {
    for (int k = 0; k < low.length; k++) {
      if (target > low[k] && target <= high[k]) {
        hit[k] = true;
      }
    }
  }

  private static int int32(byte[] b, int at) {
    return (b[at] & 0xFF)
        | (b[at + 1] & 0xFF) << 8
        | (b[at + 2] & 0xFF) << 16
        | (b[at + 3] & 0xFF) << 24;
  }
}
