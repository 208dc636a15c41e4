package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;

/**
 * How each attribute form is laid out: its size, how to skip it, and its raw value. A raw value is
 * the number the form holds: a constant, an address, a section offset, an index into {@code
 * .debug_addr} or {@code .debug_str_offsets}, a unit-relative or section-relative reference, or for
 * an inline string or a block the position where it starts in the section being read.
 */
final class Forms {
  private Forms() {}

  /** The form's size in bytes when it does not depend on the data, else -1. */
  static int fixedSize(int form, UnitHeader unit) {
    switch (form) {
      case DW_FORM_FLAG_PRESENT:
      case DW_FORM_IMPLICIT_CONST:
        return 0;
      case DW_FORM_DATA1:
      case DW_FORM_REF1:
      case DW_FORM_FLAG:
      case DW_FORM_STRX1:
      case DW_FORM_ADDRX1:
        return 1;
      case DW_FORM_DATA2:
      case DW_FORM_REF2:
      case DW_FORM_STRX2:
      case DW_FORM_ADDRX2:
        return 2;
      case DW_FORM_STRX3:
      case DW_FORM_ADDRX3:
        return 3;
      case DW_FORM_DATA4:
      case DW_FORM_REF4:
      case DW_FORM_STRX4:
      case DW_FORM_ADDRX4:
      case DW_FORM_REF_SUP4:
        return 4;
      case DW_FORM_DATA8:
      case DW_FORM_REF8:
      case DW_FORM_REF_SIG8:
      case DW_FORM_REF_SUP8:
        return 8;
      case DW_FORM_DATA16:
        return 16;
      case DW_FORM_ADDR:
        return unit.addressSize();
      case DW_FORM_REF_ADDR:
        return unit.version() <= 2 ? unit.addressSize() : unit.offsetSize();
      case DW_FORM_STRP:
      case DW_FORM_LINE_STRP:
      case DW_FORM_SEC_OFFSET:
      case DW_FORM_STRP_SUP:
      case DW_FORM_GNU_REF_ALT:
      case DW_FORM_GNU_STRP_ALT:
        return unit.offsetSize();
      default:
        return -1;
    }
  }

  /** Reads a raw value (see the class comment); {@code form} must not be {@code indirect}. */
  static long read(DwarfCursor in, int form, long implicitConst, UnitHeader unit) {
    int size = fixedSize(form, unit);
    if (size >= 0) {
      if (form == DW_FORM_IMPLICIT_CONST) {
        return implicitConst;
      }
      if (form == DW_FORM_FLAG_PRESENT) {
        return 1;
      }
      if (size == 16) {
        int start = in.position();
        in.skip(16);
        return start;
      }
      return in.unsigned(size);
    }
    switch (form) {
      case DW_FORM_SDATA:
        return in.sleb();
      case DW_FORM_UDATA:
      case DW_FORM_REF_UDATA:
      case DW_FORM_STRX:
      case DW_FORM_ADDRX:
      case DW_FORM_LOCLISTX:
      case DW_FORM_RNGLISTX:
      case DW_FORM_GNU_ADDR_INDEX:
      case DW_FORM_GNU_STR_INDEX:
        return in.uleb();
      case DW_FORM_STRING:
        return in.skipString();
      case DW_FORM_BLOCK1:
        return skipBlock(in, in.u8());
      case DW_FORM_BLOCK2:
        return skipBlock(in, in.u16());
      case DW_FORM_BLOCK4:
        return skipBlock(in, in.u32());
      case DW_FORM_BLOCK:
      case DW_FORM_EXPRLOC:
        return skipBlock(in, in.uleb());
      default:
        throw new DwarfException(
            in.section() + ": unknown attribute form 0x" + Integer.toHexString(form));
    }
  }

  private static long skipBlock(DwarfCursor in, long length) {
    int start = in.position();
    in.skip(length);
    return start;
  }

  /** The form itself, or for {@code DW_FORM_indirect} the form that follows in the data. */
  static int actual(DwarfCursor in, int form) {
    int actual = form;
    while (actual == DW_FORM_INDIRECT) {
      actual = in.ulebInt();
    }
    return actual;
  }

  static void skip(DwarfCursor in, int form, UnitHeader unit) {
    int actual = actual(in, form);
    int size = fixedSize(actual, unit);
    if (size >= 0) {
      in.skip(size);
    } else {
      read(in, actual, 0, unit);
    }
  }

  static boolean isString(int form) {
    switch (form) {
      case DW_FORM_STRING:
      case DW_FORM_STRP:
      case DW_FORM_LINE_STRP:
      case DW_FORM_STRX:
      case DW_FORM_STRX1:
      case DW_FORM_STRX2:
      case DW_FORM_STRX3:
      case DW_FORM_STRX4:
      case DW_FORM_GNU_STR_INDEX:
        return true;
      default:
        return false;
    }
  }

  static boolean isIndexedAddress(int form) {
    switch (form) {
      case DW_FORM_ADDRX:
      case DW_FORM_ADDRX1:
      case DW_FORM_ADDRX2:
      case DW_FORM_ADDRX3:
      case DW_FORM_ADDRX4:
      case DW_FORM_GNU_ADDR_INDEX:
        return true;
      default:
        return false;
    }
  }

  /** Whether the form is a constant (class constant), as a {@code DW_AT_high_pc} length is. */
  static boolean isConstant(int form) {
    switch (form) {
      case DW_FORM_DATA1:
      case DW_FORM_DATA2:
      case DW_FORM_DATA4:
      case DW_FORM_DATA8:
      case DW_FORM_SDATA:
      case DW_FORM_UDATA:
      case DW_FORM_IMPLICIT_CONST:
        return true;
      default:
        return false;
    }
  }

  /** Whether the form references a DIE of the same unit (relative to the unit's start). */
  static boolean isUnitReference(int form) {
    switch (form) {
      case DW_FORM_REF1:
      case DW_FORM_REF2:
      case DW_FORM_REF4:
      case DW_FORM_REF8:
      case DW_FORM_REF_UDATA:
        return true;
      default:
        return false;
    }
  }
}
