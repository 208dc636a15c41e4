package io.leakdetector.symbols.dwarf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Little-endian bytes written by hand, for DWARF sections built in tests. */
final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  int size() {
    return out.size();
  }

  Bytes u8(int value) {
    out.write(value);
    return this;
  }

  Bytes u16(int value) {
    return u8(value).u8(value >>> 8);
  }

  Bytes u32(long value) {
    return u16((int) value).u16((int) (value >>> 16));
  }

  Bytes u64(long value) {
    return u32(value).u32(value >>> 32);
  }

  Bytes uleb(long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      u8(value != 0 ? b | 0x80 : b);
    } while (value != 0);
    return this;
  }

  Bytes sleb(long value) {
    while (true) {
      int b = (int) (value & 0x7f);
      value >>= 7;
      boolean done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
      u8(done ? b : b | 0x80);
      if (done) {
        return this;
      }
    }
  }

  Bytes string(String text) {
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    return u8(0);
  }

  Bytes bytes(byte[] data) {
    out.writeBytes(data);
    return this;
  }

  Bytes bytes(Bytes other) {
    return bytes(other.toArray());
  }

  byte[] toArray() {
    return out.toByteArray();
  }

  /** {@code body} preceded by its 32-bit length (a DWARF unit or table header). */
  static Bytes withLength(Bytes body) {
    return new Bytes().u32(body.size()).bytes(body);
  }
}
