package io.leakdetector.symbols.unwind;

/** Call frame instructions written op by op ({@code DW_CFA_*}, DWARF 5 section 6.4.2). */
final class CfaOps {
  static final int RBP = 6;
  static final int RSP = 7;
  static final int RIP = 16;
  static final int RBX = 3;
  static final int R12 = 12;

  final Bytes bytes = Bytes.of();

  static CfaOps ops() {
    return new CfaOps();
  }

  CfaOps advance(int delta) {
    bytes.u8(0x40 | delta);
    return this;
  }

  CfaOps offset(int register, long factored) {
    bytes.u8(0x80 | register).uleb(factored);
    return this;
  }

  CfaOps restore(int register) {
    bytes.u8(0xc0 | register);
    return this;
  }

  CfaOps nop() {
    bytes.u8(0x00);
    return this;
  }

  CfaOps setLoc(Bytes encodedAddress) {
    bytes.u8(0x01).bytes(encodedAddress);
    return this;
  }

  CfaOps advance1(int delta) {
    bytes.u8(0x02, delta);
    return this;
  }

  CfaOps advance2(int delta) {
    bytes.u8(0x03).u16(delta);
    return this;
  }

  CfaOps advance4(long delta) {
    bytes.u8(0x04).u32(delta);
    return this;
  }

  CfaOps offsetExtended(int register, long factored) {
    bytes.u8(0x05).uleb(register).uleb(factored);
    return this;
  }

  CfaOps restoreExtended(int register) {
    bytes.u8(0x06).uleb(register);
    return this;
  }

  CfaOps undefined(int register) {
    bytes.u8(0x07).uleb(register);
    return this;
  }

  CfaOps sameValue(int register) {
    bytes.u8(0x08).uleb(register);
    return this;
  }

  CfaOps register(int register, int inRegister) {
    bytes.u8(0x09).uleb(register).uleb(inRegister);
    return this;
  }

  CfaOps rememberState() {
    bytes.u8(0x0a);
    return this;
  }

  CfaOps restoreState() {
    bytes.u8(0x0b);
    return this;
  }

  CfaOps defCfa(int register, long offset) {
    bytes.u8(0x0c).uleb(register).uleb(offset);
    return this;
  }

  CfaOps defCfaRegister(int register) {
    bytes.u8(0x0d).uleb(register);
    return this;
  }

  CfaOps defCfaOffset(long offset) {
    bytes.u8(0x0e).uleb(offset);
    return this;
  }

  CfaOps defCfaExpression(Bytes expression) {
    bytes.u8(0x0f).block(expression);
    return this;
  }

  CfaOps expression(int register, Bytes expression) {
    bytes.u8(0x10).uleb(register).block(expression);
    return this;
  }

  CfaOps offsetExtendedSf(int register, long factored) {
    bytes.u8(0x11).uleb(register).sleb(factored);
    return this;
  }

  CfaOps defCfaSf(int register, long factored) {
    bytes.u8(0x12).uleb(register).sleb(factored);
    return this;
  }

  CfaOps defCfaOffsetSf(long factored) {
    bytes.u8(0x13).sleb(factored);
    return this;
  }

  CfaOps valOffset(int register, long factored) {
    bytes.u8(0x14).uleb(register).uleb(factored);
    return this;
  }

  CfaOps valOffsetSf(int register, long factored) {
    bytes.u8(0x15).uleb(register).sleb(factored);
    return this;
  }

  CfaOps valExpression(int register, Bytes expression) {
    bytes.u8(0x16).uleb(register).block(expression);
    return this;
  }

  CfaOps mipsAdvance8(long delta) {
    bytes.u8(0x1d).u64(delta);
    return this;
  }

  CfaOps negateRaState() {
    bytes.u8(0x2d);
    return this;
  }

  CfaOps argsSize(long size) {
    bytes.u8(0x2e).uleb(size);
    return this;
  }

  CfaOps negativeOffsetExtended(int register, long factored) {
    bytes.u8(0x2f).uleb(register).uleb(factored);
    return this;
  }

  CfaOps raw(int... values) {
    bytes.u8(values);
    return this;
  }

  Bytes bytes() {
    return bytes;
  }

  /** The x86-64 PLT's CFA expression with offset {@code n} and threshold {@code t}. */
  static Bytes pltExpression(int n, int t) {
    return Bytes.of()
        .u8(0x77)
        .sleb(n)
        .u8(0x80)
        .sleb(0)
        .u8(0x3f, 0x1a, 0x30 + t, 0x2a, 0x33, 0x24, 0x22);
  }
}
