package io.leakdetector.uprobes.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an eBPF program instruction by instruction ({@code struct bpf_insn}: 8 bytes, opcode, dst
 * and src register nibbles, signed 16-bit offset, signed 32-bit immediate; {@code ld_imm64} takes
 * two). Forward and backward jumps go to named labels, resolved by {@link #assemble()}. Only the
 * instructions the probe programs need are here; each has the encoding of the kernel's {@code
 * linux/bpf.h} and {@code linux/bpf_common.h}, checked byte for byte against GNU as for BPF.
 *
 * <p>{@link #text()} gives the program in the syntax of GNU as for BPF ({@code bpf-as}), so tests
 * can assemble it independently and compare.
 */
public final class BpfAssembler {
  public static final int R0 = 0;
  public static final int R1 = 1;
  public static final int R2 = 2;
  public static final int R3 = 3;
  public static final int R4 = 4;
  public static final int R5 = 5;
  public static final int R6 = 6;
  public static final int R7 = 7;
  public static final int R8 = 8;
  public static final int R9 = 9;

  /** The read-only frame pointer. */
  public static final int R10 = 10;

  // instruction classes, sources, operations and sizes (linux/bpf_common.h, linux/bpf.h)
  static final int LD = 0x00;
  static final int LDX = 0x01;
  static final int ST = 0x02;
  static final int STX = 0x03;
  static final int ALU = 0x04;
  static final int JMP = 0x05;
  static final int ALU64 = 0x07;
  static final int K = 0x00;
  static final int X = 0x08;
  static final int W = 0x00;
  static final int DW = 0x18;
  static final int IMM = 0x00;
  static final int MEM = 0x60;
  static final int ATOMIC = 0xc0;
  static final int ADD = 0x00;
  static final int OR = 0x40;
  static final int AND = 0x50;
  static final int LSH = 0x60;
  static final int RSH = 0x70;
  static final int MOV = 0xb0;
  static final int JA = 0x00;
  static final int JEQ = 0x10;
  static final int JGT = 0x20;
  static final int JGE = 0x30;
  static final int JNE = 0x50;
  static final int JSGT = 0x60;
  static final int JLT = 0xa0;
  static final int CALL = 0x80;
  static final int EXIT = 0x90;

  /** {@code BPF_PSEUDO_MAP_FD}: the immediate of an {@code ld_imm64} is a map's fd. */
  public static final int PSEUDO_MAP_FD = 1;

  /** {@code BPF_PSEUDO_MAP_VALUE}: a map's fd and an offset into its (only) value. */
  public static final int PSEUDO_MAP_VALUE = 2;

  private record Insn(int code, int dst, int src, int off, int imm, String label, String text) {}

  private final List<Insn> insns = new ArrayList<>();
  private final Map<String, Integer> labels = new HashMap<>();

  /** How many 8-byte instruction slots the program has so far. */
  public int size() {
    return insns.size();
  }

  private BpfAssembler add(int code, int dst, int src, int off, int imm, String text) {
    insns.add(new Insn(code, dst, src, off, imm, null, text));
    return this;
  }

  private BpfAssembler jump(int code, int dst, int src, int imm, String label, String text) {
    insns.add(new Insn(code, dst, src, 0, imm, label, text));
    return this;
  }

  /** Binds {@code name} to the next instruction. */
  public BpfAssembler label(String name) {
    if (labels.putIfAbsent(name, insns.size()) != null) {
      throw new IllegalArgumentException("label " + name + " is defined twice");
    }
    return this;
  }

  public BpfAssembler movImm(int dst, int imm) {
    return add(ALU64 | MOV | K, dst, 0, 0, imm, "mov %r" + dst + ", " + imm);
  }

  public BpfAssembler movReg(int dst, int src) {
    return add(ALU64 | MOV | X, dst, src, 0, 0, "mov %r" + dst + ", %r" + src);
  }

  public BpfAssembler addImm(int dst, int imm) {
    return add(ALU64 | ADD | K, dst, 0, 0, imm, "add %r" + dst + ", " + imm);
  }

  public BpfAssembler orImm(int dst, int imm) {
    return add(ALU64 | OR | K, dst, 0, 0, imm, "or %r" + dst + ", " + imm);
  }

  public BpfAssembler andImm(int dst, int imm) {
    return add(ALU64 | AND | K, dst, 0, 0, imm, "and %r" + dst + ", " + imm);
  }

  public BpfAssembler lshImm(int dst, int imm) {
    return add(ALU64 | LSH | K, dst, 0, 0, imm, "lsh %r" + dst + ", " + imm);
  }

  public BpfAssembler rshImm(int dst, int imm) {
    return add(ALU64 | RSH | K, dst, 0, 0, imm, "rsh %r" + dst + ", " + imm);
  }

  /** {@code dst = *(u64 *)(src + off)} */
  public BpfAssembler loadDw(int dst, int src, int off) {
    return add(LDX | MEM | DW, dst, src, off, 0, "ldxdw %r" + dst + ", " + at(src, off));
  }

  /** {@code dst = *(u32 *)(src + off)} */
  public BpfAssembler loadW(int dst, int src, int off) {
    return add(LDX | MEM | W, dst, src, off, 0, "ldxw %r" + dst + ", " + at(src, off));
  }

  /** {@code *(u64 *)(dst + off) = src} */
  public BpfAssembler storeDw(int dst, int off, int src) {
    return add(STX | MEM | DW, dst, src, off, 0, "stxdw " + at(dst, off) + ", %r" + src);
  }

  /** {@code *(u32 *)(dst + off) = src} */
  public BpfAssembler storeW(int dst, int off, int src) {
    return add(STX | MEM | W, dst, src, off, 0, "stxw " + at(dst, off) + ", %r" + src);
  }

  /** {@code *(u64 *)(dst + off) = imm} (sign-extended) */
  public BpfAssembler storeDwImm(int dst, int off, int imm) {
    return add(ST | MEM | DW, dst, 0, off, imm, "stdw " + at(dst, off) + ", " + imm);
  }

  /** {@code *(u32 *)(dst + off) = imm} */
  public BpfAssembler storeWImm(int dst, int off, int imm) {
    return add(ST | MEM | W, dst, 0, off, imm, "stw " + at(dst, off) + ", " + imm);
  }

  /** {@code lock *(u64 *)(dst + off) += src} */
  public BpfAssembler atomicAddDw(int dst, int off, int src) {
    return add(STX | ATOMIC | DW, dst, src, off, ADD, "xadddw " + at(dst, off) + ", %r" + src);
  }

  /** {@code dst = imm64} (two slots). */
  public BpfAssembler loadImm64(int dst, long imm) {
    add(LD | IMM | DW, dst, 0, 0, (int) imm, "lddw %r" + dst + ", " + imm);
    return add(0, 0, 0, 0, (int) (imm >>> 32), null);
  }

  /** {@code dst} = the map with file descriptor {@code mapFd} (two slots). */
  public BpfAssembler loadMap(int dst, int mapFd) {
    add(LD | IMM | DW, dst, PSEUDO_MAP_FD, 0, mapFd, "lddw %r" + dst + ", map_fd(" + mapFd + ")");
    return add(0, 0, 0, 0, 0, null);
  }

  /**
   * {@code dst} = the address of byte {@code offset} of the only value of array map {@code mapFd}
   * (direct value access, two slots).
   */
  public BpfAssembler loadMapValue(int dst, int mapFd, int offset) {
    add(
        LD | IMM | DW,
        dst,
        PSEUDO_MAP_VALUE,
        0,
        mapFd,
        "lddw %r" + dst + ", map_value(" + mapFd + ", " + offset + ")");
    return add(0, 0, 0, 0, offset, null);
  }

  public BpfAssembler call(int helper) {
    return add(JMP | CALL, 0, 0, 0, helper, "call " + helper);
  }

  public BpfAssembler exit() {
    return add(JMP | EXIT, 0, 0, 0, 0, "exit");
  }

  public BpfAssembler ja(String label) {
    return jump(JMP | JA, 0, 0, 0, label, "ja");
  }

  public BpfAssembler jeqImm(int dst, int imm, String label) {
    return jump(JMP | JEQ | K, dst, 0, imm, label, "jeq %r" + dst + ", " + imm);
  }

  public BpfAssembler jneImm(int dst, int imm, String label) {
    return jump(JMP | JNE | K, dst, 0, imm, label, "jne %r" + dst + ", " + imm);
  }

  /** Unsigned {@code dst > imm}. */
  public BpfAssembler jgtImm(int dst, int imm, String label) {
    return jump(JMP | JGT | K, dst, 0, imm, label, "jgt %r" + dst + ", " + imm);
  }

  /** Unsigned {@code dst < imm}. */
  public BpfAssembler jltImm(int dst, int imm, String label) {
    return jump(JMP | JLT | K, dst, 0, imm, label, "jlt %r" + dst + ", " + imm);
  }

  /** Signed {@code dst > imm}. */
  public BpfAssembler jsgtImm(int dst, int imm, String label) {
    return jump(JMP | JSGT | K, dst, 0, imm, label, "jsgt %r" + dst + ", " + imm);
  }

  /** Unsigned {@code dst >= src}. */
  public BpfAssembler jgeReg(int dst, int src, String label) {
    return jump(JMP | JGE | X, dst, src, 0, label, "jge %r" + dst + ", %r" + src);
  }

  private static String at(int reg, int off) {
    return "[%r" + reg + (off < 0 ? "+" + off : "+" + off) + "]";
  }

  /** The program's instructions, 8 bytes each, in the byte order of this machine. */
  public byte[] assemble() {
    ByteBuffer out = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.nativeOrder());
    for (int i = 0; i < insns.size(); i++) {
      Insn insn = insns.get(i);
      out.put((byte) insn.code());
      out.put(registers(insn.dst(), insn.src()));
      out.putShort((short) jumpOffset(i, insn));
      out.putInt(insn.imm());
    }
    return out.array();
  }

  /**
   * The program in GNU as syntax for BPF, one instruction per line; {@code ld_imm64} of a map (not
   * expressible there) is written as a plain {@code lddw} of the immediate.
   */
  public String text() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < insns.size(); i++) {
      Insn insn = insns.get(i);
      if (insn.text() == null) {
        continue; // second slot of ld_imm64
      }
      String line = insn.text();
      if (insn.label() != null) {
        line = line.equals("ja") ? "ja " + jumpOffset(i, insn) : line + ", " + jumpOffset(i, insn);
      } else if (line.startsWith("lddw") && line.contains("map_")) {
        long imm = (insns.get(i + 1).imm() & 0xFFFF_FFFFL) << 32 | (insn.imm() & 0xFFFF_FFFFL);
        line = "lddw %r" + insn.dst() + ", " + imm;
      }
      s.append('\t').append(line).append('\n');
    }
    return s.toString();
  }

  private byte registers(int dst, int src) {
    return (byte) ((dst & 0xF) | (src & 0xF) << 4);
  }

  private int jumpOffset(int index, Insn insn) {
    if (insn.label() == null) {
      return insn.off();
    }
    Integer target = labels.get(insn.label());
    if (target == null) {
      throw new IllegalStateException("label " + insn.label() + " is not defined");
    }
    int off = target - index - 1;
    if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
      throw new IllegalStateException("jump to " + insn.label() + " is too far");
    }
    return off;
  }
}
