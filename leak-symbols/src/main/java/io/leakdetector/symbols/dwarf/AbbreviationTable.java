package io.leakdetector.symbols.dwarf;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** The abbreviations of one table in {@code .debug_abbrev}, by code. */
final class AbbreviationTable {
  private static final int DENSE_LIMIT = 4096;

  private final Abbreviation[] dense;
  private final Map<Long, Abbreviation> sparse;
  private final long estimatedBytes;

  private AbbreviationTable(
      Abbreviation[] dense, Map<Long, Abbreviation> sparse, long estimatedBytes) {
    this.dense = dense;
    this.sparse = sparse;
    this.estimatedBytes = estimatedBytes;
  }

  /**
   * Reads the table at {@code offset}; {@code format} gives the sizes of forms that depend on the
   * unit (addresses, offsets).
   */
  static AbbreviationTable read(DwarfCursor in, long offset, UnitHeader format) {
    in.seek(offset);
    Abbreviation[] dense = new Abbreviation[64];
    Map<Long, Abbreviation> sparse = null;
    long bytes = 64;
    while (true) {
      long code = in.uleb();
      if (code == 0) {
        break;
      }
      int tag = in.ulebInt();
      boolean children = in.u8() != 0;
      int count = 0;
      int[] attributes = new int[8];
      int[] forms = new int[8];
      long[] consts = new long[8];
      while (true) {
        int attribute = in.ulebInt();
        int form = in.ulebInt();
        long implicitConst = form == DwarfConstants.DW_FORM_IMPLICIT_CONST ? in.sleb() : 0;
        if (attribute == 0 && form == 0) {
          break;
        }
        if (count == attributes.length) {
          attributes = Arrays.copyOf(attributes, count * 2);
          forms = Arrays.copyOf(forms, count * 2);
          consts = Arrays.copyOf(consts, count * 2);
        }
        attributes[count] = attribute;
        forms[count] = form;
        consts[count] = implicitConst;
        count++;
      }
      Abbreviation abbreviation =
          new Abbreviation(
              tag,
              children,
              Arrays.copyOf(attributes, count),
              Arrays.copyOf(forms, count),
              Arrays.copyOf(consts, count),
              format);
      bytes += abbreviation.estimatedBytes();
      if (code < DENSE_LIMIT) {
        if (code >= dense.length) {
          dense = Arrays.copyOf(dense, Math.max((int) code + 1, dense.length * 2));
        }
        dense[(int) code] = abbreviation;
      } else {
        if (sparse == null) {
          sparse = new HashMap<>();
        }
        sparse.put(code, abbreviation);
      }
    }
    return new AbbreviationTable(dense, sparse, bytes + 8L * dense.length);
  }

  /**
   * The abbreviation with this code.
   *
   * @throws DwarfException when the table has none
   */
  Abbreviation get(long code) {
    Abbreviation found = null;
    if (code >= 0 && code < dense.length) {
      found = dense[(int) code];
    } else if (sparse != null) {
      found = sparse.get(code);
    }
    if (found == null) {
      throw new DwarfException(".debug_abbrev: no abbreviation " + code);
    }
    return found;
  }

  long estimatedBytes() {
    return estimatedBytes;
  }
}
