package io.leakdetector.symbols.dwarf;

/**
 * One unit's functions that hold code — {@code DW_TAG_subprogram}, {@code DW_TAG_entry_point} and
 * {@code DW_TAG_inlined_subroutine} DIEs with address ranges — and the functions that enclose them,
 * in primitive arrays.
 *
 * <p>The function at an address is the one with the smallest single range holding it, the later DIE
 * of two with equal ranges (so the innermost inlined call wins), as in GNU addr2line. An inlined
 * function's caller is the nearest function DIE that encloses it; its call site is its {@code
 * DW_AT_call_file} and {@code DW_AT_call_line}.
 */
final class FunctionTable {
  private final int[] die;
  private final int[] parent;
  private final boolean[] inlined;
  private final long[] callFile;
  private final int[] callLine;
  private final long[] entry;

  // Every range of every function, sorted by low address; maxHigh[i] is the highest end among
  // ranges 0..i, which makes the search for ranges holding an address a binary search.
  private final long[] rangeLow;
  private final long[] rangeHigh;
  private final long[] maxHigh;
  private final int[] rangeOwner;

  FunctionTable(
      int[] die,
      int[] parent,
      boolean[] inlined,
      long[] callFile,
      int[] callLine,
      long[] entry,
      long[] rangeLow,
      long[] rangeHigh,
      int[] rangeOwner) {
    this.die = die;
    this.parent = parent;
    this.inlined = inlined;
    this.callFile = callFile;
    this.callLine = callLine;
    this.entry = entry;
    this.rangeLow = rangeLow;
    this.rangeHigh = rangeHigh;
    this.rangeOwner = rangeOwner;
    this.maxHigh = new long[rangeLow.length];
    long max = Long.MIN_VALUE;
    for (int i = 0; i < rangeLow.length; i++) {
      max = Math.max(max, rangeHigh[i]);
      maxHigh[i] = max;
    }
  }

  /** The innermost function holding {@code address}, or -1. */
  int functionAt(long address) {
    int low = 0;
    int high = maxHigh.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (maxHigh[mid] <= address) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    int best = -1;
    long bestLength = Long.MAX_VALUE;
    for (int i = low; i < rangeLow.length && rangeLow[i] <= address; i++) {
      if (address < rangeHigh[i]) {
        long length = rangeHigh[i] - rangeLow[i];
        int owner = rangeOwner[i];
        if (length < bestLength || (length == bestLength && die[owner] > die[best])) {
          best = owner;
          bestLength = length;
        }
      }
    }
    return best;
  }

  /** The offset in {@code .debug_info} of the function's DIE. */
  int die(int function) {
    return die[function];
  }

  boolean inlined(int function) {
    return inlined[function];
  }

  /** The function an inlined function was inlined into, or -1. */
  int caller(int function) {
    return parent[function];
  }

  /** The call site's file index in the unit's line table, or -1 when not recorded. */
  long callFile(int function) {
    return callFile[function];
  }

  int callLine(int function) {
    return callLine[function];
  }

  /** The start of the function's first range (0 for one without ranges). */
  long entry(int function) {
    return entry[function];
  }

  int size() {
    return die.length;
  }

  long estimatedBytes() {
    return 96L + 37L * die.length + 36L * rangeLow.length;
  }
}
