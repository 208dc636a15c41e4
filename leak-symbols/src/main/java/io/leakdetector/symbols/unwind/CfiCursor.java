package io.leakdetector.symbols.unwind;

import io.leakdetector.symbols.elf.SectionCursor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the little-endian values of a frame section ({@code .eh_frame}, {@code .debug_frame})
 * within a limit, and its pointers in their {@code DW_EH_PE_*} encodings. Every read past the limit
 * throws {@link MalformedCfiException}.
 */
final class CfiCursor extends SectionCursor {
  static final int DW_EH_PE_ABSPTR = 0x00;
  static final int DW_EH_PE_ULEB128 = 0x01;
  static final int DW_EH_PE_UDATA2 = 0x02;
  static final int DW_EH_PE_UDATA4 = 0x03;
  static final int DW_EH_PE_UDATA8 = 0x04;
  static final int DW_EH_PE_SLEB128 = 0x09;
  static final int DW_EH_PE_SDATA2 = 0x0a;
  static final int DW_EH_PE_SDATA4 = 0x0b;
  static final int DW_EH_PE_SDATA8 = 0x0c;
  static final int DW_EH_PE_PCREL = 0x10;
  static final int DW_EH_PE_TEXTREL = 0x20;
  static final int DW_EH_PE_DATAREL = 0x30;
  static final int DW_EH_PE_FUNCREL = 0x40;
  static final int DW_EH_PE_ALIGNED = 0x50;
  static final int DW_EH_PE_INDIRECT = 0x80;
  static final int DW_EH_PE_OMIT = 0xff;

  /** Reads {@code data} (any byte order) from {@code position} up to {@code limit}. */
  CfiCursor(ByteBuffer data, int position, int limit) {
    this(position, limit, data.duplicate().order(ByteOrder.LITTLE_ENDIAN));
  }

  private CfiCursor(int position, int limit, ByteBuffer littleEndian) {
    super(littleEndian, position, limit);
  }

  @Override
  protected RuntimeException truncated(int offset) {
    return new MalformedCfiException("truncated at offset " + offset);
  }

  @Override
  protected RuntimeException outside(long offset) {
    return new MalformedCfiException("offset " + offset + " lies outside its entry");
  }

  void skip(long count) {
    if (count < 0 || count > limit() - position()) {
      throw new MalformedCfiException(
          "a length of " + count + " at offset " + position() + " runs past its entry");
    }
    seek(position() + count);
  }

  /** A register number or count that must fit an {@code int}. */
  int ulebInt() {
    long value = uleb();
    if (value < 0 || value > Integer.MAX_VALUE) {
      throw new MalformedCfiException("impossible number " + Long.toUnsignedString(value));
    }
    return (int) value;
  }

  /** An address of {@code size} bytes (4 or 8), as {@code .debug_frame} stores them. */
  long address(int size) {
    return switch (size) {
      case 8 -> u64();
      case 4 -> u32();
      default -> throw new MalformedCfiException("unsupported address size " + size);
    };
  }

  /**
   * A pointer in {@code DW_EH_PE_*} encoding {@code encoding}.
   *
   * @param funcBase what {@code DW_EH_PE_funcrel} is relative to (0 when not meaningful)
   */
  long pointer(int encoding, PointerBases bases, long funcBase) {
    if (encoding == DW_EH_PE_OMIT) {
      throw new MalformedCfiException("an omitted pointer where one is required");
    }
    int application = encoding & 0x70;
    if (application == DW_EH_PE_ALIGNED) {
      alignTo8(bases.sectionAddress());
    }
    long here = bases.sectionAddress() + position();
    long value =
        switch (encoding & 0x0f) {
          case DW_EH_PE_ABSPTR -> u64();
          case DW_EH_PE_ULEB128 -> uleb();
          case DW_EH_PE_UDATA2 -> u16();
          case DW_EH_PE_UDATA4 -> u32();
          case DW_EH_PE_UDATA8 -> u64();
          case DW_EH_PE_SLEB128 -> sleb();
          case DW_EH_PE_SDATA2 -> (short) u16();
          case DW_EH_PE_SDATA4 -> (int) u32();
          case DW_EH_PE_SDATA8 -> u64();
          default ->
              throw new MalformedCfiException(
                  "unknown pointer encoding 0x" + Integer.toHexString(encoding));
        };
    value +=
        switch (application) {
          case DW_EH_PE_ABSPTR, DW_EH_PE_ALIGNED -> 0;
          case DW_EH_PE_PCREL -> here;
          case DW_EH_PE_TEXTREL -> bases.textBase();
          case DW_EH_PE_DATAREL -> bases.dataBase();
          case DW_EH_PE_FUNCREL -> funcBase;
          default ->
              throw new MalformedCfiException(
                  "unknown pointer application 0x" + Integer.toHexString(encoding));
        };
    if ((encoding & DW_EH_PE_INDIRECT) != 0) {
      value = bases.memory().applyAsLong(value);
    }
    return value;
  }

  /**
   * Skips a pointer in encoding {@code encoding} without interpreting it (a personality routine's
   * address, which the unwinder does not need and whose indirection may point into relocated data).
   */
  void skipPointer(int encoding, long sectionAddress) {
    if (encoding == DW_EH_PE_OMIT) {
      return;
    }
    if ((encoding & 0x70) == DW_EH_PE_ALIGNED) {
      alignTo8(sectionAddress);
    }
    switch (encoding & 0x0f) {
      case DW_EH_PE_ABSPTR, DW_EH_PE_UDATA8, DW_EH_PE_SDATA8 -> skip(8);
      case DW_EH_PE_UDATA4, DW_EH_PE_SDATA4 -> skip(4);
      case DW_EH_PE_UDATA2, DW_EH_PE_SDATA2 -> skip(2);
      case DW_EH_PE_ULEB128 -> uleb();
      case DW_EH_PE_SLEB128 -> sleb();
      default ->
          throw new MalformedCfiException(
              "unknown pointer encoding 0x" + Integer.toHexString(encoding));
    }
  }

  private void alignTo8(long sectionAddress) {
    int misalignment = (int) ((sectionAddress + position()) & 7);
    if (misalignment != 0) {
      skip(8 - misalignment);
    }
  }

  /** A cursor over {@code [start, end)} of the same bytes, e.g. a DWARF expression's block. */
  CfiCursor sub(int start, int end) {
    if (start < 0 || end < start || end > limit()) {
      throw new MalformedCfiException("a block at offset " + start + " runs past its entry");
    }
    return new CfiCursor(start, end, data());
  }
}
