package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;

import java.nio.ByteBuffer;

/** Address range lists: {@code .debug_ranges} (DWARF 2–4) and {@code .debug_rnglists} (5). */
final class RangeLists {
  private RangeLists() {}

  /**
   * Adds the ranges of a {@code DW_AT_ranges} value to {@code out} as (low, high) pairs; empty
   * ranges are left out.
   */
  static void read(DwarfData data, CompileUnit unit, int form, long value, LongList out) {
    UnitHeader header = unit.header;
    if (form == DW_FORM_RNGLISTX) {
      ByteBuffer lists = data.sections.get(DwarfSections.RNGLISTS);
      DwarfCursor offsets = new DwarfCursor(lists, DwarfSections.RNGLISTS);
      offsets.seek(unit.rnglistsBase + value * header.offsetSize());
      long offset = unit.rnglistsBase + offsets.unsigned(header.offsetSize());
      readRnglist(data, unit, offset, out);
    } else if (header.version() >= 5) {
      readRnglist(data, unit, value, out);
    } else {
      readRanges(data, unit, value, out);
    }
  }

  private static void readRanges(DwarfData data, CompileUnit unit, long offset, LongList out) {
    DwarfCursor in = new DwarfCursor(data.sections.get(DwarfSections.RANGES), DwarfSections.RANGES);
    in.seek(offset);
    int size = unit.header.addressSize();
    long baseSelection = size == 8 ? -1L : 0xffffffffL;
    long base = unit.baseAddress;
    while (true) {
      long start = in.unsigned(size);
      long end = in.unsigned(size);
      if (start == 0 && end == 0) {
        return;
      }
      if (start == baseSelection) {
        base = end;
      } else {
        add(out, base + start, base + end);
      }
    }
  }

  private static void readRnglist(DwarfData data, CompileUnit unit, long offset, LongList out) {
    DwarfCursor in =
        new DwarfCursor(data.sections.get(DwarfSections.RNGLISTS), DwarfSections.RNGLISTS);
    in.seek(offset);
    int size = unit.header.addressSize();
    long base = unit.baseAddress;
    while (true) {
      int kind = in.u8();
      switch (kind) {
        case DW_RLE_END_OF_LIST:
          return;
        case DW_RLE_BASE_ADDRESSX:
          base = data.indexedAddress(in.uleb(), unit);
          break;
        case DW_RLE_STARTX_ENDX:
          {
            long start = data.indexedAddress(in.uleb(), unit);
            add(out, start, data.indexedAddress(in.uleb(), unit));
            break;
          }
        case DW_RLE_STARTX_LENGTH:
          {
            long start = data.indexedAddress(in.uleb(), unit);
            add(out, start, start + in.uleb());
            break;
          }
        case DW_RLE_OFFSET_PAIR:
          {
            long start = base + in.uleb();
            add(out, start, base + in.uleb());
            break;
          }
        case DW_RLE_BASE_ADDRESS:
          base = in.unsigned(size);
          break;
        case DW_RLE_START_END:
          {
            long start = in.unsigned(size);
            add(out, start, in.unsigned(size));
            break;
          }
        case DW_RLE_START_LENGTH:
          {
            long start = in.unsigned(size);
            add(out, start, start + in.uleb());
            break;
          }
        default:
          throw new DwarfException(
              DwarfSections.RNGLISTS
                  + ": unknown entry kind "
                  + kind
                  + " at offset "
                  + (in.position() - 1));
      }
    }
  }

  private static void add(LongList out, long low, long high) {
    if (Long.compareUnsigned(high, low) > 0) {
      out.add(low);
      out.add(high);
    }
  }
}
