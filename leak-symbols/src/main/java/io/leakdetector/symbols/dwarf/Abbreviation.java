package io.leakdetector.symbols.dwarf;

/**
 * One abbreviation: a DIE's tag, whether it has children, and its attributes with their forms.
 * {@code fixedSize} is the size of its attribute values when no form depends on the data (so a DIE
 * of no interest is skipped in one step), else -1.
 */
final class Abbreviation {
  final int tag;
  final boolean hasChildren;
  final int[] attributes;
  final int[] forms;
  final long[] implicitConsts;
  final int fixedSize;

  Abbreviation(
      int tag,
      boolean hasChildren,
      int[] attributes,
      int[] forms,
      long[] implicitConsts,
      UnitHeader format) {
    this.tag = tag;
    this.hasChildren = hasChildren;
    this.attributes = attributes;
    this.forms = forms;
    this.implicitConsts = implicitConsts;
    int size = 0;
    for (int form : forms) {
      int formSize = Forms.fixedSize(form, format);
      if (formSize < 0) {
        size = -1;
        break;
      }
      size += formSize;
    }
    this.fixedSize = size;
  }

  /** Skips the attribute values of a DIE with this abbreviation. */
  void skipAttributes(DwarfCursor in, UnitHeader unit) {
    if (fixedSize >= 0) {
      in.skip(fixedSize);
      return;
    }
    for (int form : forms) {
      Forms.skip(in, form, unit);
    }
  }

  long estimatedBytes() {
    return 48 + 16L * attributes.length;
  }
}
