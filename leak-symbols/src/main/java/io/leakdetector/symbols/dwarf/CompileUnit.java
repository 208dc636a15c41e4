package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;

/**
 * A unit's header with what its unit DIE says about the rest of it: where its line table is, its
 * compilation directory, its base address and the bases of its indexed strings, addresses and range
 * lists.
 */
final class CompileUnit {
  final UnitHeader header;

  /** {@code DW_AT_low_pc} of the unit DIE: the base address of its range lists, 0 without one. */
  final long baseAddress;

  /** Offset of its line table in {@code .debug_line}, or -1 without one. */
  final long stmtList;

  /** {@code DW_AT_comp_dir}, or null. */
  final String compDir;

  /** {@code DW_AT_language}, or 0. */
  final int language;

  final long strOffsetsBase;
  final long addrBase;
  final long rnglistsBase;

  private final int rangesForm;
  private final long rangesValue;
  private final long lowPc;
  private final boolean hasLowPc;
  private final int highPcForm;
  private final long highPcValue;

  private CompileUnit(
      UnitHeader header,
      long strOffsetsBase,
      long addrBase,
      long rnglistsBase,
      long baseAddress,
      long stmtList,
      String compDir,
      int language,
      int rangesForm,
      long rangesValue,
      long lowPc,
      boolean hasLowPc,
      int highPcForm,
      long highPcValue) {
    this.header = header;
    this.strOffsetsBase = strOffsetsBase;
    this.addrBase = addrBase;
    this.rnglistsBase = rnglistsBase;
    this.baseAddress = baseAddress;
    this.stmtList = stmtList;
    this.compDir = compDir;
    this.language = language;
    this.rangesForm = rangesForm;
    this.rangesValue = rangesValue;
    this.lowPc = lowPc;
    this.hasLowPc = hasLowPc;
    this.highPcForm = highPcForm;
    this.highPcValue = highPcValue;
  }

  /** Reads the unit DIE of {@code header}. */
  static CompileUnit read(DwarfData data, UnitHeader header) {
    DwarfCursor in = data.infoCursor(header);
    long code = in.uleb();
    // DWARF 5 defaults: just past the header of the unit's contribution to each section.
    long strOffsetsBase = header.version() >= 5 ? 2L * header.offsetSize() : 0;
    long addrBase = header.version() >= 5 ? 2L * header.offsetSize() : 0;
    long rnglistsBase = header.offsetSize() == 8 ? 20 : 12;
    if (code == 0) {
      return new CompileUnit(
          header, strOffsetsBase, addrBase, rnglistsBase, 0, -1, null, 0, 0, 0, 0, false, 0, 0);
    }
    Abbreviation abbreviation = data.abbreviations(header).get(code);
    int count = abbreviation.attributes.length;
    int[] forms = new int[count];
    long[] values = new long[count];
    for (int i = 0; i < count; i++) {
      forms[i] = Forms.actual(in, abbreviation.forms[i]);
      values[i] = Forms.read(in, forms[i], abbreviation.implicitConsts[i], header);
      switch (abbreviation.attributes[i]) {
        case DW_AT_STR_OFFSETS_BASE:
          strOffsetsBase = values[i];
          break;
        case DW_AT_ADDR_BASE:
          addrBase = values[i];
          break;
        case DW_AT_RNGLISTS_BASE:
          rnglistsBase = values[i];
          break;
        default:
          break;
      }
    }
    // Strings and addresses may be indexed, through the bases just read.
    CompileUnit bases =
        new CompileUnit(
            header, strOffsetsBase, addrBase, rnglistsBase, 0, -1, null, 0, 0, 0, 0, false, 0, 0);
    long stmtList = -1;
    String compDir = null;
    int language = 0;
    int rangesForm = 0;
    long rangesValue = 0;
    long lowPc = 0;
    boolean hasLowPc = false;
    int highPcForm = 0;
    long highPcValue = 0;
    for (int i = 0; i < count; i++) {
      int form = forms[i];
      switch (abbreviation.attributes[i]) {
        case DW_AT_STMT_LIST:
          stmtList = values[i];
          break;
        case DW_AT_COMP_DIR:
          compDir = Forms.isString(form) ? data.string(form, values[i], bases) : null;
          break;
        case DW_AT_LANGUAGE:
          language = (int) values[i];
          break;
        case DW_AT_LOW_PC:
          lowPc = data.address(form, values[i], bases);
          hasLowPc = true;
          break;
        case DW_AT_HIGH_PC:
          highPcForm = form;
          highPcValue = Forms.isConstant(form) ? values[i] : data.address(form, values[i], bases);
          break;
        case DW_AT_RANGES:
          rangesForm = form;
          rangesValue = values[i];
          break;
        default:
          break;
      }
    }
    return new CompileUnit(
        header,
        strOffsetsBase,
        addrBase,
        rnglistsBase,
        lowPc,
        stmtList,
        compDir,
        language,
        rangesForm,
        rangesValue,
        lowPc,
        hasLowPc,
        highPcForm,
        highPcValue);
  }

  /** Whether the unit's language never mangles function names (C and the like). */
  boolean plainNames() {
    switch (language) {
      case DW_LANG_C89:
      case DW_LANG_C:
      case DW_LANG_COBOL74:
      case DW_LANG_COBOL85:
      case DW_LANG_FORTRAN77:
      case DW_LANG_PASCAL83:
      case DW_LANG_C99:
      case DW_LANG_PLI:
      case DW_LANG_UPC:
      case DW_LANG_C11:
      case DW_LANG_C17:
      case DW_LANG_MIPS_ASSEMBLER:
        return true;
      default:
        return false;
    }
  }

  /**
   * Adds the unit's address ranges, as its unit DIE gives them, to {@code out} (low, high pairs).
   */
  void addRanges(DwarfData data, LongList out) {
    if (rangesForm != 0) {
      RangeLists.read(data, this, rangesForm, rangesValue, out);
    } else if (hasLowPc && highPcForm != 0) {
      long high = Forms.isConstant(highPcForm) ? lowPc + highPcValue : highPcValue;
      if (Long.compareUnsigned(high, lowPc) > 0) {
        out.add(lowPc);
        out.add(high);
      }
    }
  }
}
