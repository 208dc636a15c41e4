package io.leakdetector.symbols.unwind;

import static io.leakdetector.symbols.unwind.FakeProcess.F_FP;
import static io.leakdetector.symbols.unwind.FakeProcess.F_NOFP;
import static io.leakdetector.symbols.unwind.FakeProcess.JIT;
import static io.leakdetector.symbols.unwind.FakeProcess.MAIN_FP;
import static io.leakdetector.symbols.unwind.FakeProcess.MAIN_NOFP;
import static io.leakdetector.symbols.unwind.FakeProcess.NO_CFI;
import static io.leakdetector.symbols.unwind.FakeProcess.PLT;
import static io.leakdetector.symbols.unwind.FakeProcess.RBP_LOST;
import static io.leakdetector.symbols.unwind.FakeProcess.RECURSE;
import static io.leakdetector.symbols.unwind.FakeProcess.START;
import static io.leakdetector.symbols.unwind.FakeProcess.UNSUPPORTED_CFA;
import static io.leakdetector.symbols.unwind.FakeProcess.UNSUPPORTED_RA;
import static io.leakdetector.symbols.unwind.FakeProcess.XMALLOC;
import static io.leakdetector.symbols.unwind.FakeProcess.ZERO_FRAME;
import static io.leakdetector.symbols.unwind.FakeProcess.app;
import static io.leakdetector.symbols.unwind.FakeProcess.lib;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.StackEnd;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The unwinder on stacks built by hand ({@link FakeStack}) in a made-up process ({@link
 * FakeProcess}), in all three modes, with every way a stack can end.
 */
class StackUnwinderTest {
  static final long RET_IN_START = app(START + 0x10);
  static final long RET_IN_MAIN = app(MAIN_NOFP + 0x20);
  static final long RET_IN_MAIN_FP = app(MAIN_FP + 0x20);
  static final long RET_IN_F = app(F_NOFP + 0x20);
  static final long RET_IN_F_FP = app(F_FP + 0x20);
  static final long RET_IN_XMALLOC = lib(XMALLOC + 0x10);
  static final long RET_IN_JIT = JIT + 0x40;
  static final long RET_IN_RECURSE = app(RECURSE + 0x10);
  static final long UNMAPPED = 0x1234_5678L;

  static final long NO_UNWIND_INFO = StackEnd.NO_UNWIND_INFO.address();
  static final long STACK_COPY_EXHAUSTED = StackEnd.STACK_COPY_EXHAUSTED.address();
  static final long UNSUPPORTED_RULE = StackEnd.UNSUPPORTED_RULE.address();
  static final long BAD_FRAME = StackEnd.BAD_FRAME.address();
  static final long DEPTH_LIMIT = StackEnd.DEPTH_LIMIT.address();
  static final long UNKNOWN_CODE = StackEnd.UNKNOWN_CODE.address();

  /** What a uretprobe captures: registers, the stack copy and the kernel's callchain. */
  record Capture(long ip, long sp, long bp, byte[] copy, long copyAddress, long[] chain) {
    static Capture of(FakeStack stack, long ip, long bp) {
      return new Capture(
          ip, stack.sp(), bp, stack.copy(), stack.copyAddress(), stack.kernelChain(ip, bp, 127));
    }

    Capture withCopy(int length, FakeStack stack) {
      return new Capture(ip, sp, bp, stack.copy(length), copyAddress, chain);
    }

    Capture withChain(long... chain) {
      return new Capture(ip, sp, bp, copy, copyAddress, chain);
    }
  }

  final UnwindModules modules = FakeProcess.modules();

  long[] unwind(UnwindMode mode, Capture c) {
    return unwind(mode, c, 64, 127);
  }

  long[] unwind(UnwindMode mode, Capture c, int maxFrames, int kernelChainDepth) {
    StackUnwinder unwinder = new StackUnwinder(modules, mode, kernelChainDepth);
    long[] out = new long[maxFrames + 4];
    Arrays.fill(out, -1);
    // offsets in every array, as a reader's ring buffer would have them
    byte[] stack = new byte[c.copy().length + 3];
    System.arraycopy(c.copy(), 0, stack, 3, c.copy().length);
    long[] chain = new long[c.chain().length + 2];
    System.arraycopy(c.chain(), 0, chain, 2, c.chain().length);
    int n =
        unwinder.unwind(
            c.ip(),
            c.sp(),
            c.bp(),
            ByteBuffer.wrap(stack),
            3,
            c.copy().length,
            c.copyAddress(),
            chain,
            2,
            c.chain().length,
            out,
            2,
            maxFrames);
    assertThat(out[1]).as("nothing before outOffset").isEqualTo(-1);
    assertThat(out[2 + n]).as("nothing after the frames").isEqualTo(-1);
    return Arrays.copyOfRange(out, 2, 2 + n);
  }

  /** A copy length that holds the innermost frame (xmalloc's 16 bytes) and nothing above it. */
  static int upToCaller(FakeStack s) {
    return (int) (s.sp() + 16 - s.copyAddress());
  }

  /** _start → main → f → xmalloc, no frame pointers; f uses rbp as a register. */
  static FakeStack withoutFramePointers() {
    FakeStack s = new FakeStack();
    s.call(RET_IN_START, 32, null); // main
    s.call(RET_IN_MAIN, 32, 0L); // f saves _start's rbp (0)
    s.call(RET_IN_F, 16, null); // xmalloc
    return s;
  }

  @Test
  void dwarfFollowsCallFrameInformationToTheOutermostFrame() {
    FakeStack s = withoutFramePointers();
    Capture c = Capture.of(s, RET_IN_XMALLOC, 0xdead_beefL);
    long[] expected = {RET_IN_XMALLOC, RET_IN_F, RET_IN_MAIN, RET_IN_START};
    assertThat(unwind(UnwindMode.DWARF, c)).containsExactly(expected);
    // bp is no frame pointer: the kernel walked nothing, so auto is dwarf here
    assertThat(c.chain()).containsExactly(RET_IN_XMALLOC);
    assertThat(unwind(UnwindMode.AUTO, c)).containsExactly(expected);
    assertThat(unwind(UnwindMode.FP, c)).containsExactly(RET_IN_XMALLOC);
  }

  @Test
  void aShortCopyEndsTheStackWithStackCopyExhausted() {
    FakeStack s = withoutFramePointers();
    Capture c = Capture.of(s, RET_IN_XMALLOC, 0xdead_beefL).withCopy(upToCaller(s), s);
    assertThat(unwind(UnwindMode.DWARF, c))
        .containsExactly(RET_IN_XMALLOC, RET_IN_F, STACK_COPY_EXHAUSTED);
    assertThat(unwind(UnwindMode.DWARF, c.withCopy(0, s)))
        .containsExactly(RET_IN_XMALLOC, STACK_COPY_EXHAUSTED);
  }

  /** _start → main → f → xmalloc; main and f keep frame pointers, xmalloc (a library) does not. */
  /** A copy that ends just above xmalloc's frame (its return address included). */
  static int justXmalloc(FakeStack s) {
    return (int) (s.sp() - s.copyAddress()) + 32;
  }

  static FakeStack withFramePointers(long[] bpOut) {
    FakeStack s = new FakeStack();
    long cfaMain = s.call(RET_IN_START, 48, 0L);
    long cfaF = s.call(RET_IN_MAIN_FP, 4096, cfaMain - 16);
    s.call(RET_IN_F_FP, 16, null);
    bpOut[0] = cfaF - 16;
    return s;
  }

  @Test
  void autoUnwindsTheFrameWithoutFramePointerThenTakesTheKernelsChain() {
    long[] bp = new long[1];
    FakeStack s = withFramePointers(bp);
    Capture full = Capture.of(s, RET_IN_XMALLOC, bp[0]);
    assertThat(full.chain()).containsExactly(RET_IN_XMALLOC, RET_IN_MAIN_FP, RET_IN_START);
    long[] expected = {RET_IN_XMALLOC, RET_IN_F_FP, RET_IN_MAIN_FP, RET_IN_START};
    assertThat(unwind(UnwindMode.DWARF, full)).containsExactly(expected);
    // 1 KiB of copy holds xmalloc's frame only: dwarf runs out, auto does not need more
    Capture small = full.withCopy(1024, s);
    assertThat(unwind(UnwindMode.AUTO, small)).containsExactly(expected);
    assertThat(unwind(UnwindMode.DWARF, small))
        .containsExactly(RET_IN_XMALLOC, RET_IN_F_FP, STACK_COPY_EXHAUSTED);
    // frame pointers alone miss f, whose return address xmalloc never saved in a frame record
    assertThat(unwind(UnwindMode.FP, small))
        .containsExactly(RET_IN_XMALLOC, RET_IN_MAIN_FP, RET_IN_START);
  }

  @Test
  void autoTakesTheKernelsChainAtFirstFrameOwningBp() {
    FakeStack s = new FakeStack();
    long cfaMain = s.call(RET_IN_START, 48, 0L);
    s.call(RET_IN_MAIN_FP, 4096, cfaMain - 16); // f (frame pointer) called malloc itself
    long bp = s.sp() + 4096 - 16;
    Capture c = Capture.of(s, RET_IN_F_FP, bp).withCopy(0, s);
    assertThat(unwind(UnwindMode.AUTO, c))
        .containsExactly(RET_IN_F_FP, RET_IN_MAIN_FP, RET_IN_START);
  }

  @Test
  void codeWithoutCallFrameInformationIsUnwoundByItsFramePointer() {
    FakeStack s = new FakeStack();
    s.call(RET_IN_START, 32, null); // main, no frame pointer
    long cfaJit = s.call(RET_IN_MAIN, 64, 0L); // JIT code with a frame pointer
    s.call(RET_IN_JIT, 16, null); // xmalloc
    long bp = cfaJit - 16;
    Capture c = Capture.of(s, RET_IN_XMALLOC, bp);
    assertThat(c.chain()).containsExactly(RET_IN_XMALLOC, RET_IN_MAIN);
    assertThat(unwind(UnwindMode.DWARF, c))
        .containsExactly(RET_IN_XMALLOC, RET_IN_JIT, RET_IN_MAIN, RET_IN_START);
    // auto unwinds what the copy holds as dwarf does; the kernel's chain, which ends where main,
    // without a frame pointer, left rbp at 0, is not needed
    assertThat(unwind(UnwindMode.AUTO, c))
        .containsExactly(RET_IN_XMALLOC, RET_IN_JIT, RET_IN_MAIN, RET_IN_START);
  }

  @Test
  void codeWithoutCallFrameInformationAndWithoutAFramePointerEndsWithNoUnwindInfo() {
    FakeStack s = new FakeStack();
    s.call(RET_IN_START, 32, null);
    s.call(RET_IN_MAIN, 64, null); // JIT code, rbp not a frame pointer
    s.call(RET_IN_JIT, 16, null);
    Capture c = Capture.of(s, RET_IN_XMALLOC, 0x3); // rbp implausible
    assertThat(unwind(UnwindMode.DWARF, c))
        .containsExactly(RET_IN_XMALLOC, RET_IN_JIT, NO_UNWIND_INFO);
    assertThat(unwind(UnwindMode.AUTO, c))
        .containsExactly(RET_IN_XMALLOC, RET_IN_JIT, NO_UNWIND_INFO);
    // rbp plausible (on the stack) but [rbp + 8] is no code address
    Capture stale = Capture.of(s, RET_IN_XMALLOC, s.sp() + 24);
    assertThat(unwind(UnwindMode.DWARF, stale))
        .containsExactly(RET_IN_XMALLOC, RET_IN_JIT, NO_UNWIND_INFO);
    // the gap in app's own CFI is treated the same way
    FakeStack gap = new FakeStack();
    gap.call(RET_IN_START, 32, null);
    gap.call(app(NO_CFI + 0x10), 16, null);
    assertThat(unwind(UnwindMode.DWARF, Capture.of(gap, RET_IN_XMALLOC, 0x3)))
        .containsExactly(RET_IN_XMALLOC, app(NO_CFI + 0x10), NO_UNWIND_INFO);
    // and a frame pointer beyond the copy
    Capture far = Capture.of(s, RET_IN_XMALLOC, FakeStack.TOP - 64).withCopy(upToCaller(s), s);
    assertThat(unwind(UnwindMode.DWARF, far))
        .containsExactly(RET_IN_XMALLOC, RET_IN_JIT, STACK_COPY_EXHAUSTED);
  }

  @Test
  void unsupportedRulesEndTheStack() {
    FakeStack s = new FakeStack();
    s.call(RET_IN_START, 32, null);
    Capture cfa = Capture.of(s, app(UNSUPPORTED_CFA + 4), 0);
    assertThat(unwind(UnwindMode.DWARF, cfa))
        .containsExactly(app(UNSUPPORTED_CFA + 4), UNSUPPORTED_RULE);
    FakeStack r = new FakeStack();
    r.call(RET_IN_START, 16, null);
    Capture ra = Capture.of(r, app(UNSUPPORTED_RA + 4), 0);
    assertThat(unwind(UnwindMode.DWARF, ra))
        .containsExactly(app(UNSUPPORTED_RA + 4), UNSUPPORTED_RULE);
    // rbp lost to an unsupported rule, then needed by a caller whose CFA is rbp-based
    FakeStack lost = new FakeStack();
    long cfaMain = lost.call(RET_IN_START, 48, 0L);
    lost.call(RET_IN_MAIN_FP, 16, null);
    Capture needed = Capture.of(lost, app(RBP_LOST + 4), cfaMain - 16);
    assertThat(unwind(UnwindMode.DWARF, needed))
        .containsExactly(app(RBP_LOST + 4), RET_IN_MAIN_FP, UNSUPPORTED_RULE);
  }

  @Test
  void implausibleFramesEndWithBadFrame() {
    FakeStack s = new FakeStack();
    s.call(0, 16, null); // a zero return address
    assertThat(unwind(UnwindMode.DWARF, Capture.of(s, RET_IN_XMALLOC, 0)))
        .containsExactly(RET_IN_XMALLOC, BAD_FRAME);
    FakeStack z = new FakeStack();
    z.call(RET_IN_START, 0, null); // CFA = rsp: the stack pointer would not grow
    assertThat(unwind(UnwindMode.DWARF, Capture.of(z, app(ZERO_FRAME + 4), 0)))
        .containsExactly(app(ZERO_FRAME + 4), BAD_FRAME);
  }

  @Test
  void addressesInNoExecutableMappingEndWithUnknownCode() {
    FakeStack s = new FakeStack();
    s.call(UNMAPPED, 16, null);
    Capture c = Capture.of(s, RET_IN_XMALLOC, 0);
    assertThat(unwind(UnwindMode.DWARF, c)).containsExactly(RET_IN_XMALLOC, UNKNOWN_CODE);
    Capture unknownIp =
        new Capture(UNMAPPED, c.sp(), 0, c.copy(), c.copyAddress(), new long[] {UNMAPPED});
    for (UnwindMode mode : UnwindMode.values()) {
      assertThat(unwind(mode, unknownIp)).as("%s", mode).containsExactly(UNKNOWN_CODE);
    }
  }

  @Test
  void framePointerModeChecksEveryAddressOfTheChain() {
    long[] bp = new long[1];
    FakeStack s = withFramePointers(bp);
    Capture c = Capture.of(s, RET_IN_XMALLOC, bp[0]);
    assertThat(
            unwind(
                UnwindMode.FP, c.withChain(RET_IN_XMALLOC, RET_IN_MAIN_FP, UNMAPPED, RET_IN_START)))
        .containsExactly(RET_IN_XMALLOC, RET_IN_MAIN_FP, UNKNOWN_CODE);
    assertThat(unwind(UnwindMode.FP, c.withChain(RET_IN_XMALLOC, RET_IN_MAIN_FP, 0, RET_IN_START)))
        .containsExactly(RET_IN_XMALLOC, RET_IN_MAIN_FP);
    assertThat(unwind(UnwindMode.FP, c.withChain())).containsExactly(RET_IN_XMALLOC);
    // the kernel's chain spliced by auto (where a short copy ends) is checked the same way
    assertThat(
            unwind(
                UnwindMode.AUTO,
                c.withCopy(justXmalloc(s), s).withChain(RET_IN_XMALLOC, RET_IN_MAIN_FP, UNMAPPED)))
        .containsExactly(RET_IN_XMALLOC, RET_IN_F_FP, RET_IN_MAIN_FP, UNKNOWN_CODE);
  }

  @Test
  void theDepthLimitTakesTheLastSlot() {
    FakeStack s = new FakeStack();
    s.call(RET_IN_START, 16, null);
    for (int i = 0; i < 9; i++) {
      s.call(RET_IN_RECURSE, 16, null);
    }
    Capture c = Capture.of(s, RET_IN_RECURSE, 0);
    long[] all = unwind(UnwindMode.DWARF, c);
    assertThat(all).hasSize(11).endsWith(RET_IN_RECURSE, RET_IN_START);
    assertThat(unwind(UnwindMode.DWARF, c, 11, 127)).containsExactly(all);
    long[] cut = Arrays.copyOf(all, 10);
    cut[9] = DEPTH_LIMIT;
    assertThat(unwind(UnwindMode.DWARF, c, 10, 127)).containsExactly(cut);
    assertThat(unwind(UnwindMode.DWARF, c, 2, 127)).containsExactly(RET_IN_RECURSE, DEPTH_LIMIT);
  }

  @Test
  void aFullKernelChainEndsWithTheDepthLimit() {
    long[] bp = new long[1];
    FakeStack s = withFramePointers(bp);
    Capture c = Capture.of(s, RET_IN_XMALLOC, bp[0]);
    // the kernel keeps 3 entries: the chain is full, so frames may be missing after it
    assertThat(unwind(UnwindMode.FP, c, 64, 3))
        .containsExactly(RET_IN_XMALLOC, RET_IN_MAIN_FP, RET_IN_START, DEPTH_LIMIT);
    Capture shortCopy = c.withCopy(justXmalloc(s), s);
    assertThat(unwind(UnwindMode.AUTO, shortCopy, 64, 3))
        .containsExactly(RET_IN_XMALLOC, RET_IN_F_FP, RET_IN_MAIN_FP, RET_IN_START, DEPTH_LIMIT);
    assertThat(unwind(UnwindMode.FP, c, 3, 127))
        .containsExactly(RET_IN_XMALLOC, RET_IN_MAIN_FP, RET_IN_START);
    assertThat(unwind(UnwindMode.FP, c, 2, 127)).containsExactly(RET_IN_XMALLOC, DEPTH_LIMIT);
    assertThat(unwind(UnwindMode.AUTO, c, 3, 127))
        .containsExactly(RET_IN_XMALLOC, RET_IN_F_FP, DEPTH_LIMIT);
  }

  @Test
  void thePltRuleAddsEightFromTheEleventhByteOfAStub() {
    FakeStack late = new FakeStack();
    late.call(RET_IN_START, 32, null);
    late.call(RET_IN_MAIN, 16, null); // the stub's jmp after pushing (rip & 15 >= 11)
    assertThat(unwind(UnwindMode.DWARF, Capture.of(late, app(PLT + 0x1b), 0)))
        .containsExactly(app(PLT + 0x1b), RET_IN_MAIN, RET_IN_START);
    FakeStack early = new FakeStack();
    early.call(RET_IN_START, 32, null);
    early.call(RET_IN_MAIN, 8, null);
    assertThat(unwind(UnwindMode.DWARF, Capture.of(early, app(PLT + 0x16), 0)))
        .containsExactly(app(PLT + 0x16), RET_IN_MAIN, RET_IN_START);
  }

  @Test
  void argumentsOutsideTheirArraysAreRefused() {
    StackUnwinder unwinder = new StackUnwinder(modules, UnwindMode.AUTO, 127);
    ByteBuffer stack = ByteBuffer.wrap(new byte[16]);
    long[] chain = new long[4];
    long[] out = new long[8];
    assertThatThrownBy(() -> unwinder.unwind(1, 2, 3, stack, 0, 16, 0, chain, 0, 4, out, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> unwinder.unwind(1, 2, 3, stack, 8, 16, 0, chain, 0, 4, out, 0, 8))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> unwinder.unwind(1, 2, 3, stack, 0, 16, 0, chain, 1, 4, out, 0, 8))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> unwinder.unwind(1, 2, 3, stack, 0, 16, 0, chain, 0, 4, out, 1, 8))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unwindingAllocatesNothing() {
    FakeStack s = withoutFramePointers();
    Capture c = Capture.of(s, RET_IN_XMALLOC, 0xdead_beefL);
    StackUnwinder unwinder = new StackUnwinder(modules, UnwindMode.DWARF, 127);
    long[] out = new long[64];
    ByteBuffer copy = ByteBuffer.wrap(c.copy());
    long[] chain = c.chain();
    Runnable once =
        () ->
            unwinder.unwind(
                c.ip(),
                c.sp(),
                c.bp(),
                copy,
                0,
                copy.limit(),
                c.copyAddress(),
                chain,
                0,
                chain.length,
                out,
                0,
                64);
    for (int i = 0; i < 20_000; i++) {
      once.run(); // compiles the tables and the code
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 10_000; i++) {
      once.run();
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(out[3]).isEqualTo(RET_IN_START);
    assertThat(allocated).as("bytes allocated by 10 000 unwinds").isLessThan(1024);
  }
}
