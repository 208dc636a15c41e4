package io.leakdetector.symbols.dwarf;

import java.util.Arrays;

/**
 * Which units hold code at an address: the ranges of {@code .debug_aranges} where a unit has a set
 * there, else the ranges its unit DIE gives ({@code DW_AT_low_pc}/{@code DW_AT_high_pc} or {@code
 * DW_AT_ranges}), else the sequences of its line table. Built once, in primitive arrays.
 */
final class UnitIndex {
  private final long[] low;
  private final long[] high;
  private final long[] maxHigh;
  private final int[] unit;

  private UnitIndex(long[] low, long[] high, int[] unit) {
    this.low = low;
    this.high = high;
    this.unit = unit;
    this.maxHigh = new long[low.length];
    long max = Long.MIN_VALUE;
    for (int i = 0; i < low.length; i++) {
      max = Math.max(max, high[i]);
      maxHigh[i] = max;
    }
  }

  /** The units whose ranges hold {@code address}, in section order (usually one). */
  int[] unitsAt(long address) {
    int lo = 0;
    int hi = maxHigh.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (maxHigh[mid] <= address) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    int[] found = new int[2];
    int count = 0;
    for (int i = lo; i < low.length && low[i] <= address; i++) {
      if (address < high[i] && !contains(found, count, unit[i])) {
        if (count == found.length) {
          found = Arrays.copyOf(found, count * 2);
        }
        found[count++] = unit[i];
      }
    }
    found = Arrays.copyOf(found, count);
    Arrays.sort(found);
    return found;
  }

  private static boolean contains(int[] values, int count, int value) {
    for (int i = 0; i < count; i++) {
      if (values[i] == value) {
        return true;
      }
    }
    return false;
  }

  int rangeCount() {
    return low.length;
  }

  long estimatedBytes() {
    return 64L + 28L * low.length;
  }

  /**
   * Builds the index. A unit whose DIE or line table cannot be read is left out and its problem
   * handed to {@code problems}.
   */
  static UnitIndex build(DwarfData data, java.util.function.Consumer<String> problems) {
    LongList ranges = new LongList(1024);
    LongList owners = new LongList(512);
    boolean[] covered = new boolean[data.units.size()];
    try {
      readAranges(data, ranges, owners, covered);
    } catch (DwarfException e) {
      problems.accept(e.getMessage());
      ranges.clear();
      owners.clear();
      Arrays.fill(covered, false);
    }
    LongList unitRanges = new LongList();
    for (int i = 0; i < covered.length; i++) {
      if (covered[i] || !data.units.get(i).describesCode()) {
        continue;
      }
      try {
        unitRanges.clear();
        CompileUnit compileUnit = data.unit(i);
        compileUnit.addRanges(data, unitRanges);
        if (unitRanges.size() == 0 && compileUnit.stmtList >= 0) {
          LineTable lines = LineTableReader.read(data, compileUnit);
          lines.addSequenceRanges(unitRanges);
        }
        for (int r = 0; r < unitRanges.size(); r += 2) {
          ranges.add(unitRanges.get(r));
          ranges.add(unitRanges.get(r + 1));
          owners.add(i);
        }
      } catch (DwarfException e) {
        problems.accept(e.getMessage());
      }
    }
    return sorted(ranges, owners);
  }

  private static void readAranges(
      DwarfData data, LongList ranges, LongList owners, boolean[] covered) {
    DwarfCursor in =
        new DwarfCursor(data.sections.get(DwarfSections.ARANGES), DwarfSections.ARANGES);
    while (in.hasMore()) {
      int setStart = in.position();
      long length = in.u32();
      int offsetSize = 4;
      if (length == 0xffffffffL) {
        length = in.u64();
        offsetSize = 8;
      }
      if (length < 0 || length > in.limit() - in.position()) {
        throw new DwarfException(
            DwarfSections.ARANGES + ": set at offset " + setStart + " is longer than the section");
      }
      int setEnd = in.position() + (int) length;
      in.u16(); // version 2
      long infoOffset = in.unsigned(offsetSize);
      int addressSize = in.u8();
      int segmentSize = in.u8();
      if (addressSize != 4 && addressSize != 8) {
        throw new DwarfException(DwarfSections.ARANGES + ": address size " + addressSize);
      }
      int tupleSize = 2 * addressSize + segmentSize;
      int headerEnd = in.position() - setStart;
      in.seek(setStart + (headerEnd + tupleSize - 1) / tupleSize * tupleSize);
      int unitIndex = data.units.unitStartingAt(infoOffset);
      while (in.position() + tupleSize <= setEnd) {
        in.skip(segmentSize);
        long start = in.unsigned(addressSize);
        long size = in.unsigned(addressSize);
        if (start == 0 && size == 0) {
          break;
        }
        if (unitIndex >= 0 && size != 0) {
          ranges.add(start);
          ranges.add(start + size);
          owners.add(unitIndex);
        }
      }
      if (unitIndex >= 0) {
        covered[unitIndex] = true;
      }
      in.seek(setEnd);
    }
  }

  private static UnitIndex sorted(LongList ranges, LongList owners) {
    int count = owners.size();
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(ranges.get(2 * a), ranges.get(2 * b)));
    long[] low = new long[count];
    long[] high = new long[count];
    int[] unit = new int[count];
    for (int i = 0; i < count; i++) {
      low[i] = ranges.get(2 * order[i]);
      high[i] = ranges.get(2 * order[i] + 1);
      unit[i] = (int) owners.get(order[i]);
    }
    return new UnitIndex(low, high, unit);
  }
}
