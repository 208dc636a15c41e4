package io.leakdetector.symbols.dwarf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A read position in one DWARF section, little-endian, that never reads past its limit: a read
 * beyond it is a {@link DwarfException} naming the section.
 */
final class DwarfCursor {
  private final ByteBuffer data;
  private final String section;
  private final int limit;
  private int position;

  DwarfCursor(ByteBuffer data, String section, int position, int limit) {
    if (position < 0 || limit > data.limit() || position > limit) {
      throw new DwarfException(section + ": range " + position + ".." + limit + " is outside it");
    }
    this.data = data;
    this.section = section;
    this.position = position;
    this.limit = limit;
  }

  DwarfCursor(ByteBuffer data, String section) {
    this(data, section, 0, data.limit());
  }

  int position() {
    return position;
  }

  int limit() {
    return limit;
  }

  boolean hasMore() {
    return position < limit;
  }

  void seek(long newPosition) {
    if (newPosition < 0 || newPosition > limit) {
      throw new DwarfException(section + ": offset " + newPosition + " is outside it");
    }
    position = (int) newPosition;
  }

  void skip(long count) {
    seek(position + count);
  }

  private void need(int count) {
    if (limit - position < count) {
      throw new DwarfException(section + " ends inside a value at offset " + position);
    }
  }

  int u8() {
    need(1);
    return data.get(position++) & 0xff;
  }

  int s8() {
    need(1);
    return data.get(position++);
  }

  int u16() {
    need(2);
    int value = data.getShort(position) & 0xffff;
    position += 2;
    return value;
  }

  int u24() {
    need(3);
    int value = (data.get(position) & 0xff) | (data.get(position + 1) & 0xff) << 8;
    value |= (data.get(position + 2) & 0xff) << 16;
    position += 3;
    return value;
  }

  long u32() {
    need(4);
    long value = data.getInt(position) & 0xffffffffL;
    position += 4;
    return value;
  }

  long u64() {
    need(8);
    long value = data.getLong(position);
    position += 8;
    return value;
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

  /** Bits beyond the 64th are dropped; real DWARF never has them. */
  long uleb() {
    long result = 0;
    int shift = 0;
    while (true) {
      int b = u8();
      if (shift < 64) {
        result |= (long) (b & 0x7f) << shift;
      }
      shift += 7;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
  }

  long sleb() {
    long result = 0;
    int shift = 0;
    int b;
    do {
      b = u8();
      if (shift < 64) {
        result |= (long) (b & 0x7f) << shift;
      }
      shift += 7;
    } while ((b & 0x80) != 0);
    if (shift < 64 && (b & 0x40) != 0) {
      result |= -1L << shift;
    }
    return result;
  }

  /** A {@code uleb} that must fit an int (counts, indexes, line numbers). */
  int ulebInt() {
    long value = uleb();
    return value < 0 || value > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) value;
  }

  /** Skips a NUL-terminated string and returns where it started. */
  int skipString() {
    int start = position;
    while (true) {
      need(1);
      if (data.get(position++) == 0) {
        return start;
      }
    }
  }

  String string() {
    int start = skipString();
    return decode(data, start, position - 1);
  }

  /** The NUL-terminated string at {@code offset} of {@code data}, or null outside it. */
  static String stringAt(ByteBuffer data, long offset) {
    if (offset < 0 || offset >= data.limit()) {
      return null;
    }
    int start = (int) offset;
    int end = start;
    while (end < data.limit() && data.get(end) != 0) {
      end++;
    }
    return decode(data, start, end);
  }

  private static String decode(ByteBuffer data, int start, int end) {
    byte[] bytes = new byte[end - start];
    data.get(start, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  String section() {
    return section;
  }
}
