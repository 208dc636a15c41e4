package io.leakdetector.symbols.unwind;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Little-endian bytes written by hand: call frame instructions, CIEs and FDEs for tests. */
final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static Bytes of() {
    return new Bytes();
  }

  Bytes u8(int... values) {
    for (int v : values) {
      out.write(v);
    }
    return this;
  }

  Bytes u16(int value) {
    return u8(value & 0xff, (value >>> 8) & 0xff);
  }

  Bytes u32(long value) {
    for (int i = 0; i < 4; i++) {
      out.write((int) (value >>> (8 * i)) & 0xff);
    }
    return this;
  }

  Bytes u64(long value) {
    for (int i = 0; i < 8; i++) {
      out.write((int) (value >>> (8 * i)) & 0xff);
    }
    return this;
  }

  Bytes uleb(long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
    return this;
  }

  Bytes sleb(long value) {
    while (true) {
      int b = (int) (value & 0x7f);
      value >>= 7;
      boolean done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
      out.write(done ? b : b | 0x80);
      if (done) {
        return this;
      }
    }
  }

  Bytes bytes(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  Bytes bytes(Bytes other) {
    return bytes(other.toArray());
  }

  Bytes cString(String text) {
    out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    out.write(0);
    return this;
  }

  /** A uleb128 length followed by the bytes (a DWARF block). */
  Bytes block(Bytes content) {
    byte[] bytes = content.toArray();
    return uleb(bytes.length).bytes(bytes);
  }

  int size() {
    return out.size();
  }

  byte[] toArray() {
    return out.toByteArray();
  }
}
