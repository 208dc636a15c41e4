package io.leakdetector.symbols.elf;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Bounded positional reads of an ELF file into the Java heap, little-endian. Every range is checked
 * against the file's size, so a truncated or replaced file is an {@link IOException} naming what
 * was being read, never a crash. The file is a {@link FileChannel} or an image already in memory
 * (the ELF file inside {@code .gnu_debugdata}); each read gives a buffer of its own.
 */
final class ElfInput implements AutoCloseable {
  /** Largest table read into memory at once; real symbol tables are far smaller. */
  private static final long MAX_TABLE_BYTES = 512L << 20;

  private final Path path;
  private final FileChannel channel;
  private final ByteBuffer image;
  private final long fileSize;

  ElfInput(Path path, FileChannel channel) throws IOException {
    this.path = path;
    this.channel = channel;
    this.image = null;
    this.fileSize = channel.size();
  }

  /** Reads from {@code image} (positions 0 to its limit); {@code path} names it in messages. */
  ElfInput(Path path, ByteBuffer image) {
    this.path = path;
    this.channel = null;
    this.image = image;
    this.fileSize = image.limit();
  }

  Path path() {
    return path;
  }

  long fileSize() {
    return fileSize;
  }

  ByteBuffer read(long offset, long size, String what) throws IOException {
    if (size < 0 || size > MAX_TABLE_BYTES) {
      throw new IOException(path + " is corrupt: " + what + " has an impossible size " + size);
    }
    if (offset < 0 || offset + size > fileSize) {
      throw new EOFException(
          path
              + " is truncated or corrupt: "
              + what
              + " at offset "
              + offset
              + " (+"
              + size
              + ") lies beyond the end of the file ("
              + fileSize
              + " bytes)");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    if (image != null) {
      return buffer.put(0, image, (int) offset, (int) size);
    }
    long position = offset;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new EOFException(path + " ended early while reading " + what);
      }
      position += n;
    }
    return buffer.flip();
  }

  ByteBuffer readSection(ElfSection section) throws IOException {
    if (!section.hasFileBytes()) {
      return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
    }
    return read(section.offset(), section.size(), "section " + section.name());
  }

  int checkedCount(long count, String what) throws IOException {
    if (count < 0 || count > 1_000_000) {
      throw new IOException(path + " is corrupt: impossible " + what + " " + count);
    }
    return (int) count;
  }

  long checkedSize(long size) throws IOException {
    if (size < 0 || size > MAX_TABLE_BYTES) {
      throw new IOException(path + " is corrupt: impossible size " + size);
    }
    return size;
  }

  /** The NUL-terminated UTF-8 string at {@code offset}, or {@code ""} outside the buffer. */
  static String cString(ByteBuffer buffer, int offset) {
    if (offset < 0 || offset >= buffer.limit()) {
      return "";
    }
    int end = offset;
    while (end < buffer.limit() && buffer.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - offset];
    buffer.get(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }
}
