package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;

import java.util.Arrays;

/**
 * Walks a unit's DIE tree once and keeps its functions that hold code, with their callers (see
 * {@link FunctionTable}). DIEs of no interest are skipped without decoding their values.
 */
final class FunctionTableReader {
  private static final int NONE = -1;

  private final DwarfData data;
  private final CompileUnit unit;

  // The function DIE open at each depth of the walk (NONE when the DIE there is not a function),
  // kept until a function with code below it needs it as its caller.
  private int[] stackDie = new int[32];
  private int[] stackIndex = new int[32];
  private boolean[] stackInlined = new boolean[32];
  private long[] stackCallFile = new long[32];
  private int[] stackCallLine = new int[32];

  private int count;
  private int[] die = new int[64];
  private int[] parent = new int[64];
  private boolean[] inlined = new boolean[64];
  private long[] callFile = new long[64];
  private int[] callLine = new int[64];
  private long[] entry = new long[64];

  private final LongList ranges = new LongList(256);
  private final LongList owners = new LongList(128);
  private final LongList pending = new LongList();

  private FunctionTableReader(DwarfData data, CompileUnit unit) {
    this.data = data;
    this.unit = unit;
  }

  static FunctionTable read(DwarfData data, CompileUnit unit) {
    return new FunctionTableReader(data, unit).walk();
  }

  private FunctionTable walk() {
    UnitHeader header = unit.header;
    AbbreviationTable abbreviations = data.abbreviations(header);
    DwarfCursor in = data.infoCursor(header);
    long code = in.uleb();
    if (code != 0) {
      Abbreviation unitDie = abbreviations.get(code);
      unitDie.skipAttributes(in, header);
      if (unitDie.hasChildren) {
        walkChildren(in, abbreviations, header);
      }
    }
    return build();
  }

  private void walkChildren(DwarfCursor in, AbbreviationTable abbreviations, UnitHeader header) {
    int depth = 0;
    stackDie[0] = NONE;
    while (in.hasMore()) {
      int offset = in.position();
      long code = in.uleb();
      if (code == 0) {
        if (--depth < 0) {
          return;
        }
        continue;
      }
      Abbreviation abbreviation = abbreviations.get(code);
      int tag = abbreviation.tag;
      if (tag == DW_TAG_SUBPROGRAM
          || tag == DW_TAG_INLINED_SUBROUTINE
          || tag == DW_TAG_ENTRY_POINT) {
        readFunction(in, abbreviation, header, depth, offset);
      } else {
        abbreviation.skipAttributes(in, header);
        stackDie[depth] = NONE;
      }
      if (abbreviation.hasChildren) {
        depth++;
        ensureDepth(depth);
        stackDie[depth] = NONE;
      }
    }
  }

  private void readFunction(
      DwarfCursor in, Abbreviation abbreviation, UnitHeader header, int depth, int offset) {
    long lowPc = 0;
    boolean hasLowPc = false;
    int highPcForm = 0;
    long highPc = 0;
    int rangesForm = 0;
    long rangesValue = 0;
    long file = NONE;
    int line = 0;
    for (int i = 0; i < abbreviation.attributes.length; i++) {
      int attribute = abbreviation.attributes[i];
      int form = Forms.actual(in, abbreviation.forms[i]);
      switch (attribute) {
        case DW_AT_LOW_PC:
          lowPc =
              data.address(
                  form, Forms.read(in, form, abbreviation.implicitConsts[i], header), unit);
          hasLowPc = true;
          break;
        case DW_AT_HIGH_PC:
          highPcForm = form;
          highPc = Forms.read(in, form, abbreviation.implicitConsts[i], header);
          if (!Forms.isConstant(form)) {
            highPc = data.address(form, highPc, unit);
          }
          break;
        case DW_AT_RANGES:
          rangesForm = form;
          rangesValue = Forms.read(in, form, abbreviation.implicitConsts[i], header);
          break;
        case DW_AT_CALL_FILE:
          file = Forms.read(in, form, abbreviation.implicitConsts[i], header);
          break;
        case DW_AT_CALL_LINE:
          line = (int) Forms.read(in, form, abbreviation.implicitConsts[i], header);
          break;
        default:
          int skip = Forms.fixedSize(form, header);
          if (skip >= 0) {
            in.skip(skip);
          } else {
            Forms.read(in, form, 0, header);
          }
          break;
      }
    }
    stackDie[depth] = offset;
    stackIndex[depth] = NONE;
    stackInlined[depth] = abbreviation.tag == DW_TAG_INLINED_SUBROUTINE;
    stackCallFile[depth] = file;
    stackCallLine[depth] = line;

    pending.clear();
    if (rangesForm != 0) {
      RangeLists.read(data, unit, rangesForm, rangesValue, pending);
    }
    if (hasLowPc && highPcForm != 0) {
      long high = Forms.isConstant(highPcForm) ? lowPc + highPc : highPc;
      if (Long.compareUnsigned(high, lowPc) > 0) {
        pending.add(lowPc);
        pending.add(high);
      }
    }
    if (pending.size() > 0) {
      addRanges(materialize(depth));
    }
  }

  /**
   * The table index of the function open at {@code depth}, adding it, and the callers it was
   * inlined into that are not in the table yet, if new. Iterative: corrupt DWARF may nest deeply.
   */
  private int materialize(int depth) {
    // Walk up to the first function already in the table (or one that was not inlined).
    int top = depth;
    while (stackIndex[top] == NONE && stackInlined[top]) {
      int up = top - 1;
      while (up >= 0 && stackDie[up] == NONE) {
        up--;
      }
      if (up < 0) {
        break;
      }
      top = up;
    }
    // Then add each function from there down to depth, each with its caller's index.
    int caller = NONE;
    for (int level = top; level <= depth; level++) {
      if (stackDie[level] == NONE) {
        continue;
      }
      if (stackIndex[level] == NONE) {
        add(level, stackInlined[level] ? caller : NONE);
      }
      caller = stackIndex[level];
    }
    return stackIndex[depth];
  }

  private void add(int level, int caller) {
    if (count == die.length) {
      int capacity = count * 2;
      die = Arrays.copyOf(die, capacity);
      parent = Arrays.copyOf(parent, capacity);
      inlined = Arrays.copyOf(inlined, capacity);
      callFile = Arrays.copyOf(callFile, capacity);
      callLine = Arrays.copyOf(callLine, capacity);
      entry = Arrays.copyOf(entry, capacity);
    }
    die[count] = stackDie[level];
    parent[count] = caller;
    inlined[count] = stackInlined[level];
    callFile[count] = stackCallFile[level];
    callLine[count] = stackCallLine[level];
    stackIndex[level] = count++;
  }

  /**
   * Adds the pending ranges of one function, joining a range to one it touches as BFD does (the
   * length of the joined range decides which function is innermost, so it must be the same).
   */
  private void addRanges(int function) {
    int first = ranges.size();
    for (int i = 0; i < pending.size(); i += 2) {
      long low = pending.get(i);
      long high = pending.get(i + 1);
      boolean joined = false;
      for (int r = first; r < ranges.size() && !joined; r += 2) {
        if (low == ranges.get(r + 1)) {
          ranges.set(r + 1, high);
          joined = true;
        } else if (high == ranges.get(r)) {
          ranges.set(r, low);
          joined = true;
        }
      }
      if (!joined) {
        ranges.add(low);
        ranges.add(high);
        owners.add(function);
      }
    }
    // The function's entry, as BFD sees it: the start of its first range.
    entry[function] = ranges.get(first);
  }

  private void ensureDepth(int depth) {
    if (depth >= stackDie.length) {
      int capacity = stackDie.length * 2;
      stackDie = Arrays.copyOf(stackDie, capacity);
      stackIndex = Arrays.copyOf(stackIndex, capacity);
      stackInlined = Arrays.copyOf(stackInlined, capacity);
      stackCallFile = Arrays.copyOf(stackCallFile, capacity);
      stackCallLine = Arrays.copyOf(stackCallLine, capacity);
    }
  }

  private FunctionTable build() {
    int rangeCount = owners.size();
    Integer[] order = new Integer[rangeCount];
    for (int i = 0; i < rangeCount; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int byLow = Long.compare(ranges.get(2 * a), ranges.get(2 * b));
          return byLow != 0 ? byLow : Long.compare(ranges.get(2 * a + 1), ranges.get(2 * b + 1));
        });
    long[] low = new long[rangeCount];
    long[] high = new long[rangeCount];
    int[] owner = new int[rangeCount];
    for (int i = 0; i < rangeCount; i++) {
      low[i] = ranges.get(2 * order[i]);
      high[i] = ranges.get(2 * order[i] + 1);
      owner[i] = (int) owners.get(order[i]);
    }
    return new FunctionTable(
        Arrays.copyOf(die, count),
        Arrays.copyOf(parent, count),
        Arrays.copyOf(inlined, count),
        Arrays.copyOf(callFile, count),
        Arrays.copyOf(callLine, count),
        Arrays.copyOf(entry, count),
        low,
        high,
        owner);
  }
}
