package io.leakdetector.symbols.unwind;

import static io.leakdetector.symbols.unwind.FakeProcess.JIT;
import static io.leakdetector.symbols.unwind.FakeProcess.MAIN_NOFP;
import static io.leakdetector.symbols.unwind.FakeProcess.START;
import static io.leakdetector.symbols.unwind.FakeProcess.XMALLOC;
import static io.leakdetector.symbols.unwind.FakeProcess.app;
import static io.leakdetector.symbols.unwind.FakeProcess.lib;
import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.StackEnd;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The unwinder in a runtime's generated code ({@link ManagedCode}), on stacks built by hand: a JVM
 * whose "JIT" range holds an interpreter, compiled methods (left by their frame size, no frame
 * pointer), a stub that keeps an rbp frame, and code nothing says how to leave.
 */
class ManagedCodeUnwindTest {
  static final long INTERPRETER = JIT;
  static final long COMPILED = JIT + 0x1000;
  static final long STUB = JIT + 0x2000;
  static final long OPAQUE = JIT + 0x3000;
  static final long COMPILED_FRAME = 48;
  static final long TAG = 0x4000_0000_0000_0000L;
  static final long METHOD = 0x7f00_1234_5670L;
  static final long BCP = 0x7f00_9999_0010L;

  static final long RET_IN_START = app(START + 0x10);
  static final long RET_IN_MAIN = app(MAIN_NOFP + 0x20);
  static final long RET_IN_XMALLOC = lib(XMALLOC + 0x10);
  static final long RET_IN_STUB = STUB + 0x40;
  static final long RET_IN_INTERPRETER = INTERPRETER + 0x40;
  static final long RET_IN_COMPILED = COMPILED + 0x40;
  static final long RET_IN_OPAQUE = OPAQUE + 0x40;

  /** A JVM's code as the unwinder sees it; interpreted frames named TAG | method. */
  static final class FakeJvm implements ManagedCode {
    final boolean framePointersKept;

    FakeJvm(boolean framePointersKept) {
      this.framePointersKept = framePointersKept;
    }

    @Override
    public long frameAt(long pc) {
      if (pc >= INTERPRETER && pc < COMPILED) {
        return INTERPRETED;
      } else if (pc >= COMPILED && pc < STUB) {
        return COMPILED_FRAME;
      } else if (pc >= STUB && pc < OPAQUE) {
        return FRAME_POINTER;
      } else if (pc >= OPAQUE && pc < JIT + 0x10000) {
        return UNWINDABLE;
      }
      return NOT_MANAGED;
    }

    @Override
    public boolean framePointersKept() {
      return framePointersKept;
    }

    @Override
    public long interpretedFrame(long method, long bcp) {
      return TAG | method;
    }
  }

  final UnwindModules modules = FakeProcess.modules();

  /**
   * _start → main (CFI, no frame pointer) → a stub (rbp frame) → an interpreted method → a compiled
   * method (no frame pointer: rbp only saved) → xmalloc. Returns the stack; {@code bp} is xmalloc's
   * rbp at the allocation's return: the interpreted frame's, which the compiled code left alone.
   */
  static final class JavaStack {
    final FakeStack stack = new FakeStack();
    final long interpretedFp;

    JavaStack() {
      stack.call(RET_IN_START, 32, null); // main
      long stubCfa = stack.call(RET_IN_MAIN, 16, 0L); // the stub: push rbp; mov rbp, rsp
      long stubFp = stubCfa - 16;
      long interpretedCfa = stack.call(RET_IN_STUB, 96, stubFp); // the interpreted frame
      interpretedFp = interpretedCfa - 16;
      stack.write(interpretedFp - 8, interpretedCfa); // its caller's stack pointer
      stack.write(interpretedFp - 24, METHOD);
      stack.write(interpretedFp - 64, BCP);
      stack.call(RET_IN_INTERPRETER, COMPILED_FRAME, interpretedFp); // compiled: saves rbp
      stack.call(RET_IN_COMPILED, 16, null); // xmalloc
    }
  }

  long[] unwind(UnwindMode mode, ManagedCode jvm, FakeStack s, long bp, int copy, long[] chain) {
    StackUnwinder unwinder = new StackUnwinder(modules, mode, 127);
    unwinder.managedCode(jvm);
    long[] out = new long[32];
    byte[] bytes = s.copy(copy);
    int n =
        unwinder.unwind(
            RET_IN_XMALLOC,
            s.sp(),
            bp,
            ByteBuffer.wrap(bytes),
            0,
            bytes.length,
            s.copyAddress(),
            chain,
            0,
            chain.length,
            out,
            0,
            32);
    return Arrays.copyOf(out, n);
  }

  @Test
  void interpretedCompiledAndStubFramesFromTheCopy() {
    JavaStack j = new JavaStack();
    byte[] whole = j.stack.copy();
    long[] chain = j.stack.kernelChain(RET_IN_XMALLOC, j.interpretedFp, 127);
    for (boolean framePointersKept : new boolean[] {true, false}) {
      for (UnwindMode mode : new UnwindMode[] {UnwindMode.DWARF, UnwindMode.AUTO}) {
        assertThat(
                unwind(
                    mode,
                    new FakeJvm(framePointersKept),
                    j.stack,
                    j.interpretedFp,
                    whole.length,
                    chain))
            .as("%s, frame pointers kept: %s", mode, framePointersKept)
            .containsExactly(
                RET_IN_XMALLOC,
                RET_IN_COMPILED,
                TAG | METHOD,
                RET_IN_STUB,
                RET_IN_MAIN,
                RET_IN_START);
      }
    }
  }

  @Test
  void anInterpretedFrameBeyondTheCopyIsMarkedWithoutItsMethod() {
    JavaStack j = new JavaStack();
    // the copy ends inside the interpreted frame's slots; the kernel's walk goes on from it
    int copy = (int) (j.interpretedFp - 64 - j.stack.copyAddress());
    long[] chain = j.stack.kernelChain(RET_IN_XMALLOC, j.interpretedFp, 127);
    // (main keeps no frame pointer: the kernel's walk, and so the stack, ends with its frame)
    assertThat(unwind(UnwindMode.AUTO, new FakeJvm(true), j.stack, j.interpretedFp, copy, chain))
        .containsExactly(RET_IN_XMALLOC, RET_IN_COMPILED, TAG, RET_IN_STUB, RET_IN_MAIN);
  }

  @Test
  void theKernelsChainNamesInterpretedFramesAndStopsAfterCompiledCodeWithoutFramePointers() {
    FakeStack s = new FakeStack();
    long[] chain = {RET_IN_XMALLOC, RET_IN_INTERPRETER, RET_IN_COMPILED, RET_IN_STUB, RET_IN_MAIN};
    assertThat(unwind(UnwindMode.FP, new FakeJvm(true), s, 0, 0, chain))
        .containsExactly(RET_IN_XMALLOC, TAG, RET_IN_COMPILED, RET_IN_STUB, RET_IN_MAIN);
    // compiled code that keeps no frame pointer: the frame the kernel's walk found next is not its
    // caller
    assertThat(unwind(UnwindMode.FP, new FakeJvm(false), s, 0, 0, chain))
        .containsExactly(
            RET_IN_XMALLOC, TAG, RET_IN_COMPILED, StackEnd.JIT_FRAME_UNWINDABLE.address());
  }

  @Test
  void codeNothingSaysHowToLeaveEndsTheStackWithTheMarker() {
    FakeStack s = new FakeStack();
    s.call(RET_IN_START, 32, null);
    s.call(RET_IN_MAIN, 64, 0L);
    s.call(RET_IN_OPAQUE, 16, null); // xmalloc, called from that code
    long[] chain = {RET_IN_XMALLOC};
    assertThat(unwind(UnwindMode.AUTO, new FakeJvm(false), s, s.sp() + 40, s.copy().length, chain))
        .containsExactly(RET_IN_XMALLOC, RET_IN_OPAQUE, StackEnd.JIT_FRAME_UNWINDABLE.address());
  }
}
