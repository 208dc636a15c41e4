package io.leakdetector.symbols.dwarf;

/**
 * The header of one unit in {@code .debug_info}.
 *
 * @param index the unit's position in the section, from 0
 * @param offset where the unit (its length field) starts
 * @param end where the next unit starts
 * @param version the DWARF version, 2 to 5
 * @param unitType {@code DW_UT_*}; {@code DW_UT_compile} for versions before 5
 * @param offsetSize 4 for 32-bit DWARF, 8 for 64-bit DWARF
 * @param addressSize the size of a target address
 * @param abbrevOffset where its abbreviations start in {@code .debug_abbrev}
 * @param firstDie where its first DIE (the unit DIE) starts
 */
record UnitHeader(
    int index,
    int offset,
    int end,
    int version,
    int unitType,
    int offsetSize,
    int addressSize,
    long abbrevOffset,
    int firstDie) {

  /** Whether the unit may describe code: not a type unit, not a split unit's half in a .dwo. */
  boolean describesCode() {
    return unitType == DwarfConstants.DW_UT_COMPILE
        || unitType == DwarfConstants.DW_UT_PARTIAL
        || unitType == DwarfConstants.DW_UT_SKELETON;
  }

  /**
   * Reads the header at the cursor's position and leaves the cursor at the next unit.
   *
   * @throws DwarfException when the header is truncated or of an unknown version
   */
  static UnitHeader read(DwarfCursor in, int index) {
    int offset = in.position();
    long length = in.u32();
    int offsetSize = 4;
    if (length == 0xffffffffL) {
      length = in.u64();
      offsetSize = 8;
    } else if (length >= 0xfffffff0L) {
      throw new DwarfException(in.section() + ": reserved unit length at offset " + offset);
    }
    int contentStart = in.position();
    if (length < 0 || length > in.limit() - contentStart) {
      throw new DwarfException(
          in.section() + ": unit at offset " + offset + " is longer than the section");
    }
    int end = contentStart + (int) length;
    int version = in.u16();
    if (version < 2 || version > 5) {
      throw new DwarfException(
          in.section() + ": unit at offset " + offset + " has unsupported version " + version);
    }
    int unitType = DwarfConstants.DW_UT_COMPILE;
    int addressSize;
    long abbrevOffset;
    if (version >= 5) {
      unitType = in.u8();
      addressSize = in.u8();
      abbrevOffset = in.unsigned(offsetSize);
      switch (unitType) {
        case DwarfConstants.DW_UT_SKELETON:
        case DwarfConstants.DW_UT_SPLIT_COMPILE:
          in.skip(8); // DWO id
          break;
        case DwarfConstants.DW_UT_TYPE:
        case DwarfConstants.DW_UT_SPLIT_TYPE:
          in.skip(8 + offsetSize); // type signature, type offset
          break;
        default:
          break;
      }
    } else {
      abbrevOffset = in.unsigned(offsetSize);
      addressSize = in.u8();
    }
    if (addressSize != 4 && addressSize != 8) {
      throw new DwarfException(
          in.section() + ": unit at offset " + offset + " has address size " + addressSize);
    }
    int firstDie = in.position();
    if (firstDie > end) {
      throw new DwarfException(in.section() + ": unit at offset " + offset + " is too short");
    }
    in.seek(end);
    return new UnitHeader(
        index, offset, end, version, unitType, offsetSize, addressSize, abbrevOffset, firstDie);
  }
}
