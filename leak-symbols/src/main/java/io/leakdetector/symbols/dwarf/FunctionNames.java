package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;

/**
 * A function DIE's names: its own {@code DW_AT_linkage_name} and {@code DW_AT_name}, else those of
 * the DIEs its {@code DW_AT_abstract_origin} and {@code DW_AT_specification} lead to (an inlined
 * instance names its abstract instance, which names the declaration in its class), in the same unit
 * or, through {@code DW_FORM_ref_addr}, another.
 *
 * @param linkageName the mangled name, or null (C functions, and C++ functions with internal
 *     linkage that GCC never emitted out of line, have none)
 * @param name the plain name as written in the source, or null
 */
record FunctionNames(String linkageName, String name) {
  private static final int MAX_DEPTH = 16;
  private static final FunctionNames NONE = new FunctionNames(null, null);

  /** The names of the DIE at {@code dieOffset} in {@code .debug_info}. */
  static FunctionNames of(DwarfData data, long dieOffset) {
    return of(data, dieOffset, 0);
  }

  private static FunctionNames of(DwarfData data, long dieOffset, int depth) {
    int unitIndex = data.units.unitAt(dieOffset);
    if (unitIndex < 0 || depth > MAX_DEPTH) {
      return NONE;
    }
    CompileUnit unit = data.unit(unitIndex);
    UnitHeader header = unit.header;
    DwarfCursor in = data.infoCursor(header);
    in.seek(dieOffset);
    long code = in.uleb();
    if (code == 0) {
      return NONE;
    }
    Abbreviation abbreviation = data.abbreviations(header).get(code);
    String linkageName = null;
    String name = null;
    long[] references = null;
    int referenceCount = 0;
    for (int i = 0; i < abbreviation.attributes.length; i++) {
      int attribute = abbreviation.attributes[i];
      int form = Forms.actual(in, abbreviation.forms[i]);
      long value = Forms.read(in, form, abbreviation.implicitConsts[i], header);
      switch (attribute) {
        case DW_AT_NAME:
          if (name == null && Forms.isString(form)) {
            name = data.string(form, value, unit);
          }
          break;
        case DW_AT_LINKAGE_NAME:
        case DW_AT_MIPS_LINKAGE_NAME:
          if (Forms.isString(form)) {
            String text = data.string(form, value, unit);
            linkageName = text != null ? text : linkageName;
          }
          break;
        case DW_AT_ABSTRACT_ORIGIN:
        case DW_AT_SPECIFICATION:
          long target =
              Forms.isUnitReference(form)
                  ? header.offset() + value
                  : form == DW_FORM_REF_ADDR ? value : -1;
          if (target >= 0) {
            if (references == null) {
              references = new long[2];
            }
            if (referenceCount < references.length) {
              references[referenceCount++] = target;
            }
          }
          break;
        default:
          break;
      }
    }
    for (int i = 0; i < referenceCount && (linkageName == null || name == null); i++) {
      if (references[i] == dieOffset) {
        continue;
      }
      FunctionNames referenced = of(data, references[i], depth + 1);
      linkageName = linkageName != null ? linkageName : referenced.linkageName;
      name = name != null ? name : referenced.name;
    }
    return new FunctionNames(linkageName, name);
  }
}
