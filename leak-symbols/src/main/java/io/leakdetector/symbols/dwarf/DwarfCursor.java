package io.leakdetector.symbols.dwarf;

import io.leakdetector.symbols.elf.SectionCursor;
import java.nio.ByteBuffer;

/**
 * A read position in one DWARF section that never reads past its limit: a read beyond it is a
 * {@link DwarfException} naming the section.
 */
final class DwarfCursor extends SectionCursor {
  private final String section;

  /** {@code data} must be little-endian (as {@link DwarfSections} hands them out). */
  DwarfCursor(ByteBuffer data, String section, int position, int limit) {
    super(data, position, limit);
    if (position < 0 || limit > data.limit() || position > limit) {
      throw new DwarfException(section + ": range " + position + ".." + limit + " is outside it");
    }
    this.section = section;
  }

  DwarfCursor(ByteBuffer data, String section) {
    this(data, section, 0, data.limit());
  }

  @Override
  protected RuntimeException truncated(int offset) {
    return new DwarfException(section + " ends inside a value at offset " + offset);
  }

  @Override
  protected RuntimeException outside(long offset) {
    return new DwarfException(section + ": offset " + offset + " is outside it");
  }

  void skip(long count) {
    seek(position() + count);
  }

  /** An unsigned value of {@code size} bytes (1, 2, 3, 4 or 8). */
  long unsigned(int size) {
    switch (size) {
      case 1:
        return u8();
      case 2:
        return u16();
      case 3:
        return u24();
      case 4:
        return u32();
      case 8:
        return u64();
      default:
        throw new DwarfException(section + ": unsupported value size " + size);
    }
  }

  /** A {@code uleb} that must fit an int (counts, indexes, line numbers). */
  int ulebInt() {
    long value = uleb();
    return value < 0 || value > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) value;
  }

  String section() {
    return section;
  }
}
