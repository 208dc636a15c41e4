package io.leakdetector.symbols.elf;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses the bytes of a compressed section: {@code SHF_COMPRESSED} with an {@code Elf64_Chdr}
 * header (zlib or zstd, as {@code gcc -gz=zlib|zstd} and {@code objcopy --compress-debug-sections}
 * write them) and the older GNU {@code .zdebug_*} form ({@code "ZLIB"}, a big-endian size, zlib
 * data). zlib is the JDK's; zstd is the system's {@code libzstd.so.1} (part of every Debian system:
 * apt needs it), loaded on first use.
 */
final class SectionCompression {
  static final long SHF_COMPRESSED = 0x800;
  static final int ELFCOMPRESS_ZLIB = 1;
  static final int ELFCOMPRESS_ZSTD = 2;
  private static final int CHDR_SIZE = 24;
  private static final long MAX_SIZE = 1L << 30;

  private SectionCompression() {}

  /** Whether the section's bytes are compressed in one of the two forms. */
  static boolean isCompressed(ElfSection section) {
    return (section.flags() & SHF_COMPRESSED) != 0 || section.name().startsWith(".zdebug");
  }

  /** The section's uncompressed bytes, from its raw bytes {@code raw}. */
  static ByteBuffer decompress(ElfSection section, ByteBuffer raw, String file) throws IOException {
    String what = file + ": section " + section.name();
    if ((section.flags() & SHF_COMPRESSED) != 0) {
      if (raw.limit() < CHDR_SIZE) {
        throw new IOException(what + " is compressed but too short for its header");
      }
      int type = raw.getInt(0);
      long size = checkedSize(raw.getLong(8), what);
      ByteBuffer data = raw.slice(CHDR_SIZE, raw.limit() - CHDR_SIZE);
      return switch (type) {
        case ELFCOMPRESS_ZLIB -> inflate(data, (int) size, what);
        case ELFCOMPRESS_ZSTD -> Zstd.decompress(data, (int) size, what);
        default ->
            throw new IOException(what + " uses an unknown compression (ch_type " + type + ")");
      };
    }
    if (raw.limit() < 12
        || raw.get(0) != 'Z'
        || raw.get(1) != 'L'
        || raw.get(2) != 'I'
        || raw.get(3) != 'B') {
      throw new IOException(what + " lacks the ZLIB header of a .zdebug section");
    }
    long size = checkedSize(raw.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(4), what);
    return inflate(raw.slice(12, raw.limit() - 12), (int) size, what);
  }

  private static long checkedSize(long size, String what) throws IOException {
    if (size < 0 || size > MAX_SIZE) {
      throw new IOException(what + " claims an impossible uncompressed size " + size);
    }
    return size;
  }

  private static ByteBuffer inflate(ByteBuffer data, int size, String what) throws IOException {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(data);
      ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
      while (out.hasRemaining() && !inflater.finished()) {
        if (inflater.inflate(out) == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
      }
      if (out.hasRemaining()) {
        throw new IOException(what + " inflates to fewer bytes than its header says");
      }
      return out.flip();
    } catch (DataFormatException e) {
      throw new IOException(what + " holds corrupt zlib data: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }

  /** libzstd's one-shot decompression, bound on first use. */
  static final class Zstd {
    interface ZstdLibrary extends Library {
      long ZSTD_decompress(Memory dst, long dstCapacity, Memory src, long srcSize);

      int ZSTD_isError(long code);

      String ZSTD_getErrorName(long code);
    }

    private static volatile ZstdLibrary library;

    private Zstd() {}

    static ByteBuffer decompress(ByteBuffer data, int size, String what) throws IOException {
      ZstdLibrary zstd = library();
      if (zstd == null) {
        throw new IOException(
            what + " is zstd-compressed and libzstd.so.1 is not installed (package libzstd1)");
      }
      int length = data.remaining();
      try (Memory src = new Memory(Math.max(1, length));
          Memory dst = new Memory(Math.max(1, size))) {
        byte[] bytes = new byte[length];
        data.get(data.position(), bytes);
        src.write(0, bytes, 0, length);
        long n = zstd.ZSTD_decompress(dst, size, src, length);
        if (zstd.ZSTD_isError(n) != 0) {
          throw new IOException(what + " holds corrupt zstd data: " + zstd.ZSTD_getErrorName(n));
        }
        if (n != size) {
          throw new IOException(what + " decompresses to " + n + " bytes, not " + size);
        }
        byte[] out = dst.getByteArray(0, size);
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
      }
    }

    private static ZstdLibrary library() {
      ZstdLibrary zstd = library;
      if (zstd == null) {
        synchronized (Zstd.class) {
          if (library == null) {
            try {
              library = Native.load("zstd", ZstdLibrary.class);
            } catch (UnsatisfiedLinkError e) {
              try {
                library = Native.load("libzstd.so.1", ZstdLibrary.class);
              } catch (UnsatisfiedLinkError again) {
                return null;
              }
            }
          }
          zstd = library;
        }
      }
      return zstd;
    }
  }
}
