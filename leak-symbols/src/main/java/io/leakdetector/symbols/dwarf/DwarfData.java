package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;

import io.leakdetector.symbols.elf.SectionCursor;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * What every reader of one file's DWARF shares: the sections, the unit headers, the abbreviation
 * tables and unit DIEs read so far, and the resolution of indexed strings and addresses.
 */
final class DwarfData {
  final DwarfSections sections;
  final ByteBuffer info;
  final UnitDirectory units;

  private final Map<AbbreviationKey, AbbreviationTable> abbreviations = new HashMap<>();
  private final CompileUnit[] compileUnits;
  private long abbreviationBytes;

  private record AbbreviationKey(long offset, int version, int offsetSize, int addressSize) {}

  DwarfData(DwarfSections sections) {
    this.sections = sections;
    this.info = sections.get(DwarfSections.INFO);
    this.units = new UnitDirectory(new DwarfCursor(info, DwarfSections.INFO));
    this.compileUnits = new CompileUnit[units.size()];
  }

  /** A cursor over the unit's DIEs, at its unit DIE. */
  DwarfCursor infoCursor(UnitHeader unit) {
    return new DwarfCursor(info, DwarfSections.INFO, unit.firstDie(), unit.end());
  }

  AbbreviationTable abbreviations(UnitHeader unit) {
    AbbreviationKey key =
        new AbbreviationKey(
            unit.abbrevOffset(), unit.version(), unit.offsetSize(), unit.addressSize());
    AbbreviationTable table = abbreviations.get(key);
    if (table == null) {
      table =
          AbbreviationTable.read(
              new DwarfCursor(sections.get(DwarfSections.ABBREV), DwarfSections.ABBREV),
              unit.abbrevOffset(),
              unit);
      abbreviations.put(key, table);
      abbreviationBytes += table.estimatedBytes();
    }
    return table;
  }

  CompileUnit unit(int index) {
    CompileUnit unit = compileUnits[index];
    if (unit == null) {
      unit = CompileUnit.read(this, units.get(index));
      compileUnits[index] = unit;
    }
    return unit;
  }

  /** The string an attribute value of a string form names; null when empty or unreachable. */
  String string(int form, long value, CompileUnit unit) {
    String text;
    switch (form) {
      case DW_FORM_STRING:
        text = SectionCursor.stringAt(info, value);
        break;
      case DW_FORM_STRP:
        text = SectionCursor.stringAt(sections.get(DwarfSections.STR), value);
        break;
      case DW_FORM_LINE_STRP:
        text = SectionCursor.stringAt(sections.get(DwarfSections.LINE_STR), value);
        break;
      case DW_FORM_STRX:
      case DW_FORM_STRX1:
      case DW_FORM_STRX2:
      case DW_FORM_STRX3:
      case DW_FORM_STRX4:
      case DW_FORM_GNU_STR_INDEX:
        text = indexedString(value, unit);
        break;
      default:
        // DW_FORM_GNU_strp_alt, DW_FORM_strp_sup: in a supplementary file we do not open.
        text = null;
        break;
    }
    return text == null || text.isEmpty() ? null : text;
  }

  private String indexedString(long index, CompileUnit unit) {
    int size = unit.header.offsetSize();
    DwarfCursor offsets =
        new DwarfCursor(sections.get(DwarfSections.STR_OFFSETS), DwarfSections.STR_OFFSETS);
    offsets.seek(unit.strOffsetsBase + index * size);
    return SectionCursor.stringAt(sections.get(DwarfSections.STR), offsets.unsigned(size));
  }

  /** The address an attribute value of an address form names. */
  long address(int form, long value, CompileUnit unit) {
    return Forms.isIndexedAddress(form) ? indexedAddress(value, unit) : value;
  }

  long indexedAddress(long index, CompileUnit unit) {
    int size = unit.header.addressSize();
    DwarfCursor addresses = new DwarfCursor(sections.get(DwarfSections.ADDR), DwarfSections.ADDR);
    addresses.seek(unit.addrBase + index * size);
    return addresses.unsigned(size);
  }

  long abbreviationBytes() {
    return abbreviationBytes;
  }
}
