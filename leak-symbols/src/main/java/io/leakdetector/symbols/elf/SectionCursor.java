package io.leakdetector.symbols.elf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A read position in the bytes of one section, little-endian, that never reads past its limit: the
 * values (fixed-size, LEB128, NUL-terminated strings) that DWARF and call frame information share.
 *
 * <p>Each format reports bad data in its own exception with its own words, so a read past the limit
 * asks the subclass for the exception to throw ({@link #truncated}, {@link #outside}); the reads
 * themselves are final and cost what a hand-written cursor costs.
 */
public abstract class SectionCursor {
  private final ByteBuffer data;
  private final int limit;
  private int position;

  /**
   * @param data little-endian bytes; the cursor reads them by absolute index and never changes
   *     their position or order
   * @param position where reading starts; the subclass checks that it lies within its range
   * @param limit the index reads stop at
   */
  protected SectionCursor(ByteBuffer data, int position, int limit) {
    this.data = data;
    this.position = position;
    this.limit = limit;
  }

  /** The exception for a value that would end past the limit; {@code offset} is where it starts. */
  protected abstract RuntimeException truncated(int offset);

  /** The exception for a move to {@code offset}, which lies before 0 or past the limit. */
  protected abstract RuntimeException outside(long offset);

  /** The bytes read, as given to the constructor. */
  protected final ByteBuffer data() {
    return data;
  }

  public final int position() {
    return position;
  }

  public final int limit() {
    return limit;
  }

  public final boolean hasMore() {
    return position < limit;
  }

  /** Moves to {@code newPosition}, which may be the limit itself. */
  public final void seek(long newPosition) {
    if (newPosition < 0 || newPosition > limit) {
      throw outside(newPosition);
    }
    position = (int) newPosition;
  }

  private void need(int count) {
    if (limit - position < count) {
      throw truncated(position);
    }
  }

  public final int u8() {
    need(1);
    return data.get(position++) & 0xff;
  }

  public final int s8() {
    need(1);
    return data.get(position++);
  }

  public final int u16() {
    need(2);
    int value = data.getShort(position) & 0xffff;
    position += 2;
    return value;
  }

  public final int u24() {
    need(3);
    int value = (data.get(position) & 0xff) | (data.get(position + 1) & 0xff) << 8;
    value |= (data.get(position + 2) & 0xff) << 16;
    position += 3;
    return value;
  }

  public final long u32() {
    need(4);
    long value = data.getInt(position) & 0xffffffffL;
    position += 4;
    return value;
  }

  public final long u64() {
    need(8);
    long value = data.getLong(position);
    position += 8;
    return value;
  }

  /** Bits beyond the 64th are dropped; real DWARF never has them. */
  public final long uleb() {
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

  public final long sleb() {
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

  /** Skips a NUL-terminated string and returns where it started. */
  public final int skipString() {
    int start = position;
    while (true) {
      need(1);
      if (data.get(position++) == 0) {
        return start;
      }
    }
  }

  /** A NUL-terminated string in UTF-8. */
  public final String string() {
    int start = skipString();
    return decode(data, start, position - 1);
  }

  /** The NUL-terminated string at {@code offset} of {@code data}, or null outside it. */
  public static String stringAt(ByteBuffer data, long offset) {
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
}
