package io.leakdetector.symbols.hotspot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a live process's memory through {@code /proc/PID/mem} (the same permission as tracing it:
 * root, or ptrace access). Reads fail, never throw, once the process is gone or where nothing is
 * mapped. One instance per thread: it reads through a buffer of its own.
 */
public final class ProcessMemory implements AutoCloseable {
  private final FileChannel channel;
  private final ByteBuffer word = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
  private long value;

  private ProcessMemory(FileChannel channel) {
    this.channel = channel;
  }

  /** Opens the memory of process {@code pid}. */
  public static ProcessMemory open(long pid) throws IOException {
    return new ProcessMemory(
        FileChannel.open(Path.of("/proc/" + pid + "/mem"), StandardOpenOption.READ));
  }

  /** Reads the 8 bytes at {@code address} into {@link #value()}; false where they cannot be. */
  public boolean readWord(long address) {
    word.clear();
    if (!fill(address, word)) {
      return false;
    }
    value = word.getLong(0);
    return true;
  }

  /** The word the last successful {@link #readWord} read. */
  public long value() {
    return value;
  }

  /** Reads {@code into.remaining()} bytes at {@code address}; false where they cannot be. */
  public boolean fill(long address, ByteBuffer into) {
    if (address <= 0) {
      return false;
    }
    try {
      long at = address;
      while (into.hasRemaining()) {
        int n = channel.read(into, at);
        if (n <= 0) {
          return false;
        }
        at += n;
      }
      return true;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The bytes at {@code address} (little-endian), or null where they cannot be read. */
  public ByteBuffer bytes(long address, int length) {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    return fill(address, buffer) ? buffer.flip() : null;
  }

  /** The NUL-terminated string at {@code address} (at most {@code max} bytes), or null. */
  public String cString(long address, int max) {
    byte[] out = new byte[max];
    int length = 0;
    // read up to the end of the page first: the string may end just before unmapped memory
    while (length < max) {
      // small reads first: most names are short
      int chunk =
          (int)
              Math.min(
                  Math.min(max - length, 64 << Math.min(6, length / 64)),
                  4096 - ((address + length) & 4095));
      ByteBuffer buffer = ByteBuffer.wrap(out, length, chunk);
      if (!fill(address + length, buffer)) {
        return null;
      }
      for (int i = length; i < length + chunk; i++) {
        if (out[i] == 0) {
          return new String(out, 0, i, StandardCharsets.UTF_8);
        }
      }
      length += chunk;
    }
    return null;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing held
    }
  }
}
