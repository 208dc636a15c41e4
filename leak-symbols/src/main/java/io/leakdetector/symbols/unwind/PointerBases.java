package io.leakdetector.symbols.unwind;

import java.util.function.LongUnaryOperator;

/**
 * What the {@code DW_EH_PE_*} pointer encodings of one frame section are relative to.
 *
 * @param sectionAddress the address of the section's first byte ({@code DW_EH_PE_pcrel} is relative
 *     to the encoded value's own address)
 * @param textBase for {@code DW_EH_PE_textrel}: the start of {@code .text}
 * @param dataBase for {@code DW_EH_PE_datarel}: the {@code .got} on x86-64 (as the i386 ABI defines
 *     it; x86-64 compilers do not emit it in {@code .eh_frame})
 * @param memory reads the 8 bytes at an address of the file's image, for {@code DW_EH_PE_indirect};
 *     throws {@link MalformedCfiException} where the file has no bytes
 */
record PointerBases(long sectionAddress, long textBase, long dataBase, LongUnaryOperator memory) {
  static final LongUnaryOperator NO_MEMORY =
      address -> {
        throw new MalformedCfiException("an indirect pointer needs the file's bytes");
      };

  /** Bases for bytes that are not in a file (tests): only pc-relative pointers are meaningful. */
  static PointerBases at(long sectionAddress) {
    return new PointerBases(sectionAddress, 0, 0, NO_MEMORY);
  }
}
