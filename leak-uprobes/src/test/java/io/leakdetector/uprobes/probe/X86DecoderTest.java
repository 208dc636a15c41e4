package io.leakdetector.uprobes.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.probe.X86Instruction.Category;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The decoder and the placement on the prologues of Debian 12's glibc 2.36 (bytes from objdump).
 */
class X86DecoderTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  // First bytes of the allocator functions of libc.so.6 2.36-9+deb12u14 (x86-64).
  static final byte[] MALLOC = hex("41 54 55 53 48 89 fb 48 83 ec 10 80 3d 46 1b 14 00 00");
  static final byte[] CALLOC = hex("41 55 48 89 f8 41 54 55 53 48 83 ec 18 48 f7 e6");
  static final byte[] REALLOC = hex("41 57 41 56 41 55 41 54 55 48 89 f5 53 48 89 fb");
  static final byte[] REALLOCARRAY = hex("48 89 f0 48 f7 e2 48 89 c6 70 05 e9 40 b8 f8 ff");
  static final byte[] FREE = hex("48 85 ff 0f 84 bf 00 00 00 55 48 8d 77 f0 53");
  static final byte[] POSIX_MEMALIGN = hex("80 3d 01 02 14 00 00 41 54 49 89 d4 55 48 89 fd");
  static final byte[] MEMALIGN = hex("80 3d 71 0e 14 00 00 74 07 e9 32 f6 ff ff 66 90");
  static final byte[] VALLOC = hex("80 3d 31 0e 14 00 00 53 48 89 fb 74 1b");
  static final byte[] PVALLOC = hex("80 3d 01 0e 14 00 00 53 48 89 fb 74 2b");

  @Test
  void decodesTheKnownPrologueForms() {
    assertThat(X86Decoder.decode(MALLOC, 0))
        .isEqualTo(new X86Instruction(2, Category.EMULATED, -1)); // push %r12
    assertThat(X86Decoder.decode(MALLOC, 2))
        .isEqualTo(new X86Instruction(1, Category.EMULATED, -1)); // push %rbp
    assertThat(X86Decoder.decode(MALLOC, 4))
        .isEqualTo(new X86Instruction(3, Category.SIDE_EFFECT_FREE, 3)); // mov %rdi,%rbx
    assertThat(X86Decoder.decode(MALLOC, 7).category()).isEqualTo(Category.OTHER); // sub $0x10,%rsp
    assertThat(X86Decoder.decode(MALLOC, 11))
        .isEqualTo(new X86Instruction(7, Category.SIDE_EFFECT_FREE, -1)); // cmpb $0,x(%rip)
    assertThat(X86Decoder.decode(FREE, 0))
        .isEqualTo(new X86Instruction(3, Category.SIDE_EFFECT_FREE, -1)); // test %rdi,%rdi
    assertThat(X86Decoder.decode(FREE, 3))
        .isEqualTo(new X86Instruction(6, Category.EMULATED, -1)); // je rel32
    assertThat(X86Decoder.decode(REALLOCARRAY, 0))
        .isEqualTo(new X86Instruction(3, Category.SIDE_EFFECT_FREE, 0)); // mov %rsi,%rax
    assertThat(X86Decoder.decode(REALLOCARRAY, 3)).isNull(); // mul %rdx: not a known form
    assertThat(X86Decoder.decode(REALLOC, 9))
        .isEqualTo(new X86Instruction(3, Category.SIDE_EFFECT_FREE, 5)); // mov %rsi,%rbp
    assertThat(X86Decoder.decode(MEMALIGN, 7))
        .isEqualTo(new X86Instruction(2, Category.EMULATED, -1)); // je rel8
    assertThat(X86Decoder.decode(MEMALIGN, 9))
        .isEqualTo(new X86Instruction(5, Category.EMULATED, -1)); // jmp rel32
    assertThat(X86Decoder.decode(MEMALIGN, 14)).isNull(); // xchg %ax,%ax (0x66 prefix)
    assertThat(X86Decoder.decode(POSIX_MEMALIGN, 9))
        .isEqualTo(new X86Instruction(3, Category.SIDE_EFFECT_FREE, 12)); // mov %rdx,%r12
    assertThat(X86Decoder.decode(hex("f3 0f 1e fa 55"), 0))
        .isEqualTo(new X86Instruction(4, Category.SIDE_EFFECT_FREE, -1)); // endbr64
  }

  @Test
  void storesAndStackChangesAreNotSideEffectFree() {
    assertThat(X86Decoder.decode(hex("48 89 7d f8"), 0).category())
        .isEqualTo(Category.OTHER); // mov %rdi,-0x8(%rbp)
    assertThat(X86Decoder.decode(hex("80 0d 01 00 00 00 01"), 0).category())
        .isEqualTo(Category.OTHER); // orb $1,x(%rip)
    assertThat(X86Decoder.decode(hex("48 89 e5"), 0))
        .isEqualTo(new X86Instruction(3, Category.SIDE_EFFECT_FREE, 5)); // mov %rsp,%rbp
    assertThat(X86Decoder.decode(hex("48 89 c4"), 0).writtenRegister())
        .isEqualTo(X86Instruction.RSP); // mov %rax,%rsp
  }

  @Test
  void truncatedBytesDecodeToNothing() {
    assertThat(X86Decoder.decode(hex("80 3d 01 02"), 0)).isNull();
    assertThat(X86Decoder.decode(hex("0f 84 bf"), 0)).isNull();
    assertThat(X86Decoder.decode(new byte[0], 0)).isNull();
  }

  @Test
  void placementSkipsOnlyWhatKeepsTheArguments() {
    assertThat(ProbePlacement.candidateOffset(MALLOC)).isZero();
    assertThat(ProbePlacement.candidateOffset(CALLOC)).isZero();
    assertThat(ProbePlacement.candidateOffset(REALLOC)).isZero();
    assertThat(ProbePlacement.candidateOffset(FREE)).isEqualTo(3);
    assertThat(ProbePlacement.candidateOffset(POSIX_MEMALIGN)).isEqualTo(7);
    assertThat(ProbePlacement.candidateOffset(MEMALIGN)).isEqualTo(7);
    assertThat(ProbePlacement.candidateOffset(VALLOC)).isEqualTo(7);
    assertThat(ProbePlacement.candidateOffset(PVALLOC)).isEqualTo(7);
    // mov %rsi,%rax then mul: the next instruction is not emulated
    assertThat(ProbePlacement.candidateOffset(REALLOCARRAY)).isZero();
    // writes %rdi before the push: stays at the entry
    assertThat(ProbePlacement.candidateOffset(hex("48 89 c7 55"))).isZero();
    // three side-effect-free instructions before the push: more than MAX_SKIPPED
    assertThat(ProbePlacement.candidateOffset(hex("48 85 ff 48 85 f6 48 85 d2 55"))).isZero();
    assertThat(ProbePlacement.candidateOffset(hex("48 85 ff 48 85 f6 55"))).isEqualTo(6);
    assertThat(ProbePlacement.candidateOffset(hex("f3 0f 1e fa 48 85 ff 74 05"))).isEqualTo(7);
  }

  @Test
  void branchTargetsAreFoundAtEveryBytePosition() {
    // code at 0x1000: "jmp +1" at 0x1000 targets 0x1003; "je rel32" at 0x1010 targets 0x1000
    byte[] code = new byte[32];
    code[0] = (byte) 0xEB;
    code[1] = 0x01;
    code[16] = 0x0F;
    code[17] = (byte) 0x84;
    code[18] = (byte) 0xEA;
    code[19] = (byte) 0xFF;
    code[20] = (byte) 0xFF;
    code[21] = (byte) 0xFF;
    boolean[] hit =
        BranchTargets.anyInto(
            code, 0x1000, new long[] {0x1000, 0x1003, 0x0FFF}, new long[] {0x1003, 0x1007, 0x1000});
    assertThat(hit).containsExactly(true, false, true);
  }
}
