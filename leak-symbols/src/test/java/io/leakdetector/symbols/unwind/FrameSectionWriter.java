package io.leakdetector.symbols.unwind;

/**
 * Writes a frame section entry by entry, as a linker lays out {@code .eh_frame} (CIE id 0, CIE
 * pointers relative to themselves, pc-relative addresses) or {@code .debug_frame} (CIE id all ones,
 * CIE pointers from the section start, plain addresses).
 */
final class FrameSectionWriter {
  private final boolean ehFrame;
  private final long address;
  private final Bytes section = Bytes.of();

  private FrameSectionWriter(boolean ehFrame, long address) {
    this.ehFrame = ehFrame;
    this.address = address;
  }

  static FrameSectionWriter ehFrame(long address) {
    return new FrameSectionWriter(true, address);
  }

  static FrameSectionWriter debugFrame() {
    return new FrameSectionWriter(false, 0);
  }

  /** The offset the next entry starts at. */
  int position() {
    return section.size();
  }

  /**
   * A CIE of version 1 (return-address column as a byte).
   *
   * @param augmentationData the data after the {@code z}'s length, or null without {@code z}
   */
  int cie(
      String augmentation,
      long dataAlignment,
      int raColumn,
      Bytes augmentationData,
      Bytes instructions) {
    Bytes body = Bytes.of().cString(augmentation).uleb(1).sleb(dataAlignment).u8(raColumn);
    if (augmentationData != null) {
      body.block(augmentationData);
    }
    return entry(ehFrame ? 0 : 0xffff_ffffL, body.bytes(instructions), 1);
  }

  /** A CIE with every header field given (versions 3 and 4, code alignment). */
  int cie(
      int version,
      String augmentation,
      int addressSize,
      long codeAlignment,
      long dataAlignment,
      int raColumn,
      Bytes augmentationData,
      Bytes instructions) {
    Bytes body = Bytes.of().cString(augmentation);
    if (version >= 4) {
      body.u8(addressSize, 0);
    }
    body.uleb(codeAlignment).sleb(dataAlignment);
    if (version == 1) {
      body.u8(raColumn);
    } else {
      body.uleb(raColumn);
    }
    if (augmentationData != null) {
      body.block(augmentationData);
    }
    return entry(ehFrame ? 0 : 0xffff_ffffL, body.bytes(instructions), version);
  }

  /**
   * An FDE of {@code [start, start + length)} with the CIE's {@code DW_EH_PE_pcrel |
   * DW_EH_PE_sdata4} addresses ({@code .eh_frame}) or 8-byte plain addresses ({@code
   * .debug_frame}); {@code augmentationData} null when the CIE has no {@code z}.
   */
  int fde(int cie, long start, long length, Bytes augmentationData, Bytes instructions) {
    int at = position();
    Bytes addresses = Bytes.of();
    if (ehFrame) {
      long field = address + at + 8;
      addresses.u32(start - field).u32(length);
    } else {
      addresses.u64(start).u64(length);
    }
    return fde(cie, addresses, augmentationData, instructions);
  }

  /** An FDE whose address fields are given as written. */
  int fde(int cie, Bytes addresses, Bytes augmentationData, Bytes instructions) {
    int at = position();
    Bytes body = Bytes.of().bytes(addresses);
    if (augmentationData != null) {
      body.block(augmentationData);
    }
    long pointer = ehFrame ? at + 4 - cie : cie;
    return entry(pointer, body.bytes(instructions), 0);
  }

  private int entry(long id, Bytes body, int version) {
    int at = position();
    Bytes content = Bytes.of().u32(id);
    if (version > 0) {
      content.u8(version);
    }
    byte[] bytes = content.bytes(body).toArray();
    int padding = (8 - (4 + bytes.length) % 8) % 8; // DW_CFA_nop up to 8-byte alignment
    section.u32(bytes.length + padding).bytes(bytes);
    for (int i = 0; i < padding; i++) {
      section.u8(0);
    }
    return at;
  }

  /** Raw bytes, e.g. a 64-bit entry or a damaged one. */
  FrameSectionWriter raw(Bytes bytes) {
    section.bytes(bytes);
    return this;
  }

  /** The zero terminator of {@code .eh_frame}. */
  FrameSectionWriter terminator() {
    section.u32(0);
    return this;
  }

  byte[] toArray() {
    return section.toArray();
  }
}
