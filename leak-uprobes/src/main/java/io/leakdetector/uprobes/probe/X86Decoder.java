package io.leakdetector.uprobes.probe;

import io.leakdetector.uprobes.probe.X86Instruction.Category;

/**
 * A deliberately small x86-64 instruction decoder for the first instructions of a function: it
 * knows the forms compilers put in allocator prologues (push of a register, {@code endbr64}, {@code
 * test}/{@code cmp} of registers or memory, register moves, relative jumps) and reports everything
 * else as {@link Category#OTHER}, which makes the placement fall back to the function's entry. It
 * is not a general disassembler and never needs to be one.
 */
public final class X86Decoder {
  private X86Decoder() {}

  /**
   * Decodes the instruction at {@code code[pos]}.
   *
   * @return the instruction, or {@code null} when it is not one of the known forms or the bytes end
   *     first
   */
  public static X86Instruction decode(byte[] code, int pos) {
    int p = pos;
    if (remaining(code, p) >= 4
        && u8(code, p) == 0xF3
        && u8(code, p + 1) == 0x0F
        && u8(code, p + 2) == 0x1E
        && u8(code, p + 3) == 0xFA) {
      return new X86Instruction(4, Category.SIDE_EFFECT_FREE, -1); // endbr64
    }
    int rex = 0;
    if (remaining(code, p) >= 1 && (u8(code, p) & 0xF0) == 0x40) {
      rex = u8(code, p);
      p++;
    }
    if (remaining(code, p) < 1) {
      return null;
    }
    int op = u8(code, p);
    int prefixLength = p - pos;
    if (op >= 0x50 && op <= 0x57 && (rex == 0 || rex == 0x41)) {
      return new X86Instruction(prefixLength + 1, Category.EMULATED, -1); // push reg
    }
    if (op == 0x90 && rex == 0) {
      return new X86Instruction(1, Category.EMULATED, -1); // nop
    }
    if (rex == 0) {
      if ((op >= 0x70 && op <= 0x7F) || op == 0xEB) {
        return sized(code, pos, 2, Category.EMULATED); // jcc rel8, jmp rel8
      }
      if (op == 0xE8 || op == 0xE9) {
        return sized(code, pos, 5, Category.EMULATED); // call rel32, jmp rel32
      }
      if (op == 0x0F && remaining(code, p) >= 2 && (u8(code, p + 1) & 0xF0) == 0x80) {
        return sized(code, pos, 6, Category.EMULATED); // jcc rel32
      }
    }
    switch (op) {
      case 0x84, 0x85, 0x38, 0x39, 0x3A, 0x3B -> {
        // test r/m, r and cmp in both directions: flags only
        int modrm = modrmLength(code, p + 1);
        return modrm < 0
            ? null
            : sized(code, pos, prefixLength + 1 + modrm, Category.SIDE_EFFECT_FREE);
      }
      case 0x80, 0x83, 0x81, 0xF6, 0xF7 -> {
        if (remaining(code, p) < 2) {
          return null;
        }
        int reg = (u8(code, p + 1) >> 3) & 7;
        boolean group3 = op == 0xF6 || op == 0xF7;
        if (group3 && reg != 0) {
          return null; // not, neg, mul, div…: forms without an immediate, not needed here
        }
        boolean compare = group3 || reg == 7; // test imm / cmp imm
        int modrm = modrmLength(code, p + 1);
        if (modrm < 0) {
          return null;
        }
        int imm = (op == 0x81 || op == 0xF7) ? 4 : 1;
        int length = prefixLength + 1 + modrm + imm;
        return compare
            ? sized(code, pos, length, Category.SIDE_EFFECT_FREE)
            : X86Instruction.other(length);
      }
      case 0x89 -> {
        // mov r/m, r: side-effect free only into a register
        if (remaining(code, p) < 2) {
          return null;
        }
        int modrmByte = u8(code, p + 1);
        int modrm = modrmLength(code, p + 1);
        if (modrm < 0) {
          return null;
        }
        if ((modrmByte >> 6) != 3) {
          return X86Instruction.other(prefixLength + 1 + modrm); // store to memory
        }
        int dest = (modrmByte & 7) | ((rex & 1) << 3);
        return new X86Instruction(prefixLength + 2, Category.SIDE_EFFECT_FREE, dest);
      }
      case 0x8B -> {
        // mov r, r/m: writes the reg field's register
        if (remaining(code, p) < 2) {
          return null;
        }
        int modrmByte = u8(code, p + 1);
        int modrm = modrmLength(code, p + 1);
        if (modrm < 0) {
          return null;
        }
        int dest = ((modrmByte >> 3) & 7) | ((rex & 4) << 1);
        return sized(code, pos, prefixLength + 1 + modrm, Category.SIDE_EFFECT_FREE, dest);
      }
      default -> {
        return null;
      }
    }
  }

  /** Bytes taken by a ModRM byte at {@code at} with its SIB and displacement; -1 when cut off. */
  static int modrmLength(byte[] code, int at) {
    if (remaining(code, at) < 1) {
      return -1;
    }
    int modrm = u8(code, at);
    int mod = modrm >> 6;
    int rm = modrm & 7;
    int length = 1;
    if (mod == 3) {
      return length;
    }
    if (rm == 4) {
      if (remaining(code, at) < 2) {
        return -1;
      }
      int sib = u8(code, at + 1);
      length++;
      if (mod == 0 && (sib & 7) == 5) {
        length += 4;
      }
    } else if (mod == 0 && rm == 5) {
      length += 4; // rip-relative disp32
    }
    if (mod == 1) {
      length += 1;
    } else if (mod == 2) {
      length += 4;
    }
    return remaining(code, at) >= length ? length : -1;
  }

  private static X86Instruction sized(byte[] code, int pos, int length, Category category) {
    return sized(code, pos, length, category, -1);
  }

  private static X86Instruction sized(
      byte[] code, int pos, int length, Category category, int written) {
    return remaining(code, pos) >= length ? new X86Instruction(length, category, written) : null;
  }

  private static int remaining(byte[] code, int pos) {
    return code.length - pos;
  }

  private static int u8(byte[] code, int pos) {
    return code[pos] & 0xFF;
  }
}
