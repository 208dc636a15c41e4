package io.leakdetector.symbols.unwind;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One frame section, {@code .eh_frame} or {@code .debug_frame}, split into its entries. The two
 * differ in the CIE id (0 against all ones), in what an FDE's CIE pointer is relative to (the
 * pointer itself against the section start) and in how addresses are written ({@code DW_EH_PE_*}
 * encodings against plain addresses); both may use 64-bit DWARF lengths.
 *
 * <p>An entry that cannot be read is skipped and counted; a length that runs past the section ends
 * the walk (nothing after it can be found).
 */
final class FrameSection {
  private final ByteBuffer data;
  private final boolean ehFrame;
  private final PointerBases bases;
  private final Map<Integer, CommonInformation> cies = new HashMap<>();
  private int skippedEntries;

  /**
   * @param data the section's bytes (already decompressed)
   * @param ehFrame {@code .eh_frame} (true) or {@code .debug_frame}
   * @param bases what pointers are relative to; {@code sectionAddress} is the section's address
   */
  FrameSection(ByteBuffer data, boolean ehFrame, PointerBases bases) {
    this.data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    this.ehFrame = ehFrame;
    this.bases = bases;
  }

  boolean isEhFrame() {
    return ehFrame;
  }

  PointerBases bases() {
    return bases;
  }

  ByteBuffer data() {
    return data;
  }

  /** Entries that could not be read (a damaged CIE or FDE, an unknown augmentation). */
  int skippedEntries() {
    return skippedEntries;
  }

  /** The frame descriptions with a non-empty range, in section order. */
  List<FrameDescription> descriptions() {
    List<FrameDescription> fdes = new ArrayList<>();
    int size = data.limit();
    int position = 0;
    while (size - position >= 4) {
      int entryStart = position;
      CfiCursor cursor = new CfiCursor(data, position, size);
      long length = cursor.u32();
      if (length == 0) {
        if (ehFrame) {
          break; // the terminator crtend.o contributes
        }
        position = cursor.position();
        continue;
      }
      boolean dwarf64 = length == 0xffff_ffffL;
      if (dwarf64) {
        if (size - cursor.position() < 8) {
          break;
        }
        length = cursor.u64();
      } else if (length >= 0xffff_fff0L) {
        break; // reserved lengths: the rest cannot be walked
      }
      int contentStart = cursor.position();
      if (length < 0 || length > size - contentStart) {
        skippedEntries++;
        break;
      }
      int entryEnd = contentStart + (int) length;
      position = entryEnd;
      try {
        CfiCursor entry = new CfiCursor(data, contentStart, entryEnd);
        long id = dwarf64 ? entry.u64() : entry.u32();
        if (isCieId(id, dwarf64)) {
          cie(entryStart);
        } else {
          long ciePosition = ehFrame ? contentStart - id : id;
          if (ciePosition < 0 || ciePosition >= size) {
            throw new MalformedCfiException("CIE pointer out of range");
          }
          FrameDescription fde = description(cie((int) ciePosition), entry, entryEnd);
          if (fde != null) {
            fdes.add(fde);
          }
        }
      } catch (MalformedCfiException e) {
        skippedEntries++;
      }
    }
    return fdes;
  }

  private boolean isCieId(long id, boolean dwarf64) {
    if (ehFrame) {
      return id == 0;
    }
    return dwarf64 ? id == -1L : id == 0xffff_ffffL;
  }

  private FrameDescription description(CommonInformation cie, CfiCursor in, int entryEnd) {
    long start;
    long range;
    if (cie.fdeEncoding() >= 0) {
      start = in.pointer(cie.fdeEncoding(), bases, 0);
      range = in.pointer(cie.fdeEncoding() & 0x0f, bases, 0);
    } else {
      start = in.address(cie.addressSize());
      range = in.address(cie.addressSize());
    }
    if (cie.hasAugmentationData()) {
      in.skip(in.uleb());
    }
    if (range == 0 || start == 0) {
      return null; // empty, or discarded by the linker (its relocation resolved to 0)
    }
    if (Long.compareUnsigned(start + range, start) < 0) {
      throw new MalformedCfiException("an FDE range wraps around the address space");
    }
    return new FrameDescription(this, cie, start, start + range, in.position(), entryEnd);
  }

  /** The CIE at {@code offset}, read once; a damaged CIE throws each time it is asked for. */
  private CommonInformation cie(int offset) {
    CommonInformation cached = cies.get(offset);
    if (cached != null) {
      return cached;
    }
    CfiCursor in = new CfiCursor(data, offset, data.limit());
    long length = in.u32();
    boolean dwarf64 = length == 0xffff_ffffL;
    if (dwarf64) {
      length = in.u64();
    }
    if (length < 0 || length > data.limit() - in.position()) {
      throw new MalformedCfiException("a CIE runs past its section");
    }
    int end = in.position() + (int) length;
    in = new CfiCursor(data, in.position(), end);
    long id = dwarf64 ? in.u64() : in.u32();
    if (!isCieId(id, dwarf64)) {
      throw new MalformedCfiException("an FDE points at an entry that is not a CIE");
    }
    int version = in.u8();
    if (version != 1 && version != 3 && version != 4) {
      throw new MalformedCfiException("unsupported CIE version " + version);
    }
    String augmentation = augmentationString(in);
    int addressSize = 8;
    if (augmentation.contains("eh")) {
      in.skip(8); // the old GCC "eh" data: a pointer to exception tables
    }
    if (version >= 4) {
      addressSize = in.u8();
      int segmentSize = in.u8();
      if (segmentSize != 0) {
        throw new MalformedCfiException("segmented addresses are not supported");
      }
    }
    long codeAlignment = in.uleb();
    long dataAlignment = in.sleb();
    int raColumn = version == 1 ? in.u8() : in.ulebInt();
    int fdeEncoding = ehFrame ? CfiCursor.DW_EH_PE_ABSPTR : -1;
    boolean hasData = augmentation.startsWith("z");
    boolean signal = false;
    if (hasData) {
      long dataLength = in.uleb();
      int dataStart = in.position();
      in.skip(dataLength);
      int dataEnd = in.position();
      in.seek(dataStart);
      for (int i = 1; i < augmentation.length(); i++) {
        char c = augmentation.charAt(i);
        if (c == 'R') {
          fdeEncoding = in.u8();
        } else if (c == 'P') {
          in.skipPointer(in.u8(), bases.sectionAddress());
        } else if (c == 'L') {
          in.u8(); // the LSDA's encoding; the LSDA pointer itself is skipped with the FDE's data
        } else if (c == 'S') {
          signal = true;
        } else if (c != 'B' && c != 'G') {
          break; // unknown: the length tells where the instructions start
        }
      }
      in.seek(dataEnd);
    } else if (!augmentation.isEmpty() && !augmentation.equals("eh")) {
      throw new MalformedCfiException("unknown CIE augmentation \"" + augmentation + "\"");
    }
    CommonInformation cie =
        new CommonInformation(
            offset,
            version,
            augmentation,
            codeAlignment,
            dataAlignment,
            raColumn,
            fdeEncoding,
            addressSize,
            hasData,
            signal,
            in.position(),
            end);
    cies.put(offset, cie);
    return cie;
  }

  private static String augmentationString(CfiCursor in) {
    StringBuilder text = new StringBuilder();
    for (int c = in.u8(); c != 0; c = in.u8()) {
      text.append((char) c);
    }
    return text.toString();
  }
}
