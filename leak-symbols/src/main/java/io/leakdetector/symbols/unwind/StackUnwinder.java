package io.leakdetector.symbols.unwind;

import io.leakdetector.StackEnd;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Unwinds one x86-64 user stack captured at an allocation's return: from the registers (ip, sp,
 * bp), a copy of the top of the stack and the kernel's frame-pointer callchain, with the call frame
 * information of {@link UnwindModules}. Writes return addresses, innermost first; a stack that
 * cannot be followed to its outermost frame ends with a {@link StackEnd} marker, never with a
 * guessed address.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>The first frame's rule is looked up at ip (the registers are exact there); a caller's at
 *       its return address − 1, inside the call instruction.
 *   <li>A frame whose code has no call frame information (a gap, a file without CFI, JIT code) is
 *       unwound by the frame-pointer rule from the copy, as libunwind and elfutils do, when rbp is
 *       known and plausible (at or above sp, 8-aligned) and {@code [rbp + 8]} is in executable
 *       memory; else the stack ends with {@link StackEnd#NO_UNWIND_INFO}.
 *   <li>Markers: {@link StackEnd#STACK_COPY_EXHAUSTED} when a needed read lies outside the copy,
 *       {@link StackEnd#UNSUPPORTED_RULE} for a rule the tables hold as unsupported (or an rbp
 *       needed but lost to one), {@link StackEnd#BAD_FRAME} when the stack pointer does not grow or
 *       the return address is 0, {@link StackEnd#UNKNOWN_CODE} when an address lies in no
 *       executable mapping, {@link StackEnd#DEPTH_LIMIT} when {@code maxFrames} (or a full kernel
 *       callchain) leaves frames out. A return address rule of "undefined" ({@code _start}, a
 *       thread's start) ends the stack without a marker; so does a 0 in the kernel's callchain.
 *   <li>{@link UnwindMode#AUTO}: as {@link UnwindMode#DWARF} while the copy lasts, so that
 *       frame-pointer-less code anywhere in it (allocation wrappers, operator new, a library
 *       between two frame-pointer modules) is unwound by its call frame information. Where the copy
 *       ends, at a frame that keeps a frame pointer F (CFA = F + 16, return address at F + 8), the
 *       kernel's callchain takes over: F is found among the frame pointers the kernel walked from
 *       bp (bp, [bp], [[bp]], … as far as the copy holds them), and if it is the j-th, the frame's
 *       return address is {@code chain[j + 1]} and the chain's rest follows (validated as in {@link
 *       UnwindMode#FP}). A program built with frame pointers needs only a small copy this way.
 *   <li>Code a runtime generated ({@link #managedCode}: a HotSpot JVM's interpreter and code cache)
 *       is left as the runtime says: an interpreted frame through rbp, replaced by a frame that
 *       names its method; a compiled frame by its size; a stub by rbp. In the kernel's callchain,
 *       an interpreted frame's method is unknown (its slots lie beyond the copy), and compiled code
 *       that keeps no frame pointer ends the stack with {@link StackEnd#JIT_FRAME_UNWINDABLE}.
 * </ul>
 *
 * <p>One instance per thread; {@link #unwind} allocates nothing (its {@link UnwindModules} may
 * compile a module's table on the first lookup in it).
 */
public final class StackUnwinder {
  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long NO_UNWIND_INFO = StackEnd.NO_UNWIND_INFO.address();
  private static final long STACK_COPY_EXHAUSTED = StackEnd.STACK_COPY_EXHAUSTED.address();
  private static final long UNSUPPORTED_RULE = StackEnd.UNSUPPORTED_RULE.address();
  private static final long BAD_FRAME = StackEnd.BAD_FRAME.address();
  private static final long DEPTH_LIMIT = StackEnd.DEPTH_LIMIT.address();
  private static final long UNKNOWN_CODE = StackEnd.UNKNOWN_CODE.address();
  private static final long JIT_FRAME_UNWINDABLE = StackEnd.JIT_FRAME_UNWINDABLE.address();

  private final UnwindModules modules;
  private final UnwindMode mode;
  private final int kernelChainDepth;
  private ManagedCode managed;

  // The stack being unwound (fields so that nothing is allocated per call).
  private ByteBuffer stack;
  private int stackOffset;
  private int stackLength;
  private long stackAddress;
  private long[] chain;
  private int chainOffset;
  private int chainLength;
  private long[] out;
  private int outOffset;
  private int maxFrames;
  private int count;
  private long value;

  /**
   * @param modules the process's executable mappings
   * @param mode how to unwind
   * @param kernelChainDepth the most entries the kernel's callchain holds; a chain that long was
   *     cut, and a stack that ends with it ends with {@link StackEnd#DEPTH_LIMIT}
   */
  public StackUnwinder(UnwindModules modules, UnwindMode mode, int kernelChainDepth) {
    if (kernelChainDepth < 1) {
      throw new IllegalArgumentException("kernelChainDepth must be at least 1");
    }
    this.modules = modules;
    this.mode = mode;
    this.kernelChainDepth = kernelChainDepth;
  }

  public UnwindMode mode() {
    return mode;
  }

  /**
   * Frames in anonymous code are from now on unwound as {@code managed} says (a JVM found in the
   * target once it runs), else by the frame-pointer rule; null: by the frame-pointer rule.
   */
  public void managedCode(ManagedCode managed) {
    this.managed = managed;
  }

  /**
   * Unwinds one stack.
   *
   * @param ip the instruction pointer: the return address into the allocation's caller
   * @param sp the caller's stack pointer just after the return
   * @param bp the register rbp
   * @param stack holds the copy of the stack at {@code [stackOffset, stackOffset + stackLength)}
   *     (little-endian; read where it lies, e.g. a record in a ring buffer: only the words the
   *     unwinding needs are read, nothing is copied)
   * @param stackAddress the address of the copy's first byte (at or below sp)
   * @param chain holds the kernel's frame-pointer callchain at {@code [chainOffset, chainOffset +
   *     chainLength)}: {@code chain[0]} is ip, {@code chain[1]} the return address at {@code bp +
   *     8}, …
   * @param out receives the frames from {@code outOffset}
   * @param maxFrames the most frames written, markers included (at least 2)
   * @return the number of frames written; the first is ip (or a marker when ip lies in no
   *     executable mapping)
   */
  public int unwind(
      long ip,
      long sp,
      long bp,
      ByteBuffer stack,
      int stackOffset,
      int stackLength,
      long stackAddress,
      long[] chain,
      int chainOffset,
      int chainLength,
      long[] out,
      int outOffset,
      int maxFrames) {
    if (maxFrames < 2 || outOffset < 0 || outOffset + maxFrames > out.length) {
      throw new IllegalArgumentException("maxFrames must be at least 2 and fit out");
    }
    if (stackOffset < 0 || stackLength < 0 || stackOffset + stackLength > stack.limit()) {
      throw new IllegalArgumentException("the stack copy lies outside its buffer");
    }
    if (chainOffset < 0 || chainLength < 0 || chainOffset + chainLength > chain.length) {
      throw new IllegalArgumentException("the callchain lies outside its array");
    }
    this.stack = stack;
    this.stackOffset = stackOffset;
    this.stackLength = stackLength;
    this.stackAddress = stackAddress;
    this.chain = chain;
    this.chainOffset = chainOffset;
    this.chainLength = chainLength;
    this.out = out;
    this.outOffset = outOffset;
    this.maxFrames = maxFrames;
    this.count = 0;
    try {
      return mode == UnwindMode.FP ? framePointers(ip) : fromStack(ip, sp, bp);
    } finally {
      this.stack = null;
      this.chain = null;
      this.out = null;
    }
  }

  private int framePointers(long ip) {
    if (chainLength == 0) {
      return modules.isExecutable(ip) ? push(ip) : end(UNKNOWN_CODE);
    }
    return appendChain(0);
  }

  /** The kernel's callchain from index {@code from}, each address checked, then its end. */
  private int appendChain(int from) {
    for (int i = from; i < chainLength; i++) {
      long address = chain[chainOffset + i];
      if (address == 0) {
        return count;
      }
      if (!modules.isExecutable(address)) {
        return end(UNKNOWN_CODE);
      }
      if (count == maxFrames) {
        return end(DEPTH_LIMIT);
      }
      long frame = managed == null ? ManagedCode.NOT_MANAGED : managed.frameAt(address);
      if (frame == ManagedCode.INTERPRETED) {
        push(managed.interpretedFrame(0, 0)); // its method lies beyond the copy
      } else {
        push(address);
      }
      if (frame == ManagedCode.UNWINDABLE || frame >= 0 && !managed.framePointersKept()) {
        // the kernel's walk passed code that keeps no frame pointer: what follows is not its caller
        return end(JIT_FRAME_UNWINDABLE);
      }
    }
    return chainLength >= kernelChainDepth ? end(DEPTH_LIMIT) : count;
  }

  private int fromStack(long ip, long sp, long bp) {
    boolean hybrid = mode == UnwindMode.AUTO && chainLength > 1;
    int index = modules.indexOf(ip);
    if (index < 0) {
      return end(UNKNOWN_CODE);
    }
    push(ip);
    long pc = ip;
    long fp = bp;
    long fpLost = 0; // 0 while rbp is known, else the marker that says why it is not
    boolean first = true;
    while (true) {
      long rule = modules.rule(index, first ? pc : pc - 1);
      int cfaKind = CfiRule.cfaKind(rule);
      long frame =
          cfaKind == CfiRule.CFA_NONE && managed != null
              ? managed.frameAt(pc)
              : ManagedCode.NOT_MANAGED;
      long cfa;
      long ra;
      long callerSp = 0; // 0: the caller's stack pointer is the CFA
      if (frame == ManagedCode.UNWINDABLE) {
        return end(JIT_FRAME_UNWINDABLE);
      } else if (frame == ManagedCode.INTERPRETED) {
        if (fpLost != 0 || Long.compareUnsigned(fp, sp) < 0 || (fp & 7) != 0) {
          return end(fpLost == STACK_COPY_EXHAUSTED ? STACK_COPY_EXHAUSTED : BAD_FRAME);
        }
        if (!read(fp + 8L * ManagedCode.INTERPRETED_BCP_SLOT)) {
          out[outOffset + count - 1] = managed.interpretedFrame(0, 0);
          return copyExhausted(hybrid, bp, fp);
        }
        long bcp = value;
        read(fp + 8L * ManagedCode.INTERPRETED_METHOD_SLOT);
        out[outOffset + count - 1] = managed.interpretedFrame(value, bcp);
        read(fp + 8L * ManagedCode.INTERPRETED_SENDER_SP_SLOT);
        callerSp = value;
        if (!read(fp + 8)) {
          return copyExhausted(hybrid, bp, fp);
        }
        ra = value;
        if (!read(fp)) {
          return copyExhausted(hybrid, bp, fp);
        }
        cfa = fp + 16;
        fp = value;
        if (Long.compareUnsigned(callerSp, sp) <= 0) {
          return end(BAD_FRAME);
        }
      } else if (frame >= 0) {
        // a compiled frame: its size from the runtime, its caller's rbp saved below the return
        cfa = sp + frame;
        if (!read(cfa - 8)) {
          boolean keepsFramePointer = fpLost == 0 && fp == cfa - 16;
          return keepsFramePointer ? copyExhausted(hybrid, bp, fp) : end(STACK_COPY_EXHAUSTED);
        }
        ra = value;
        if (read(cfa - 16)) {
          fp = value;
          fpLost = 0;
        } else {
          fpLost = STACK_COPY_EXHAUSTED;
        }
      } else if (cfaKind == CfiRule.CFA_NONE) {
        if (fpLost != 0) {
          return end(fpLost == STACK_COPY_EXHAUSTED ? STACK_COPY_EXHAUSTED : NO_UNWIND_INFO);
        }
        if (Long.compareUnsigned(fp, sp) < 0 || (fp & 7) != 0) {
          return end(NO_UNWIND_INFO);
        }
        if (!read(fp + 8)) {
          return copyExhausted(hybrid, bp, fp);
        }
        ra = value;
        if (!read(fp)) {
          return copyExhausted(hybrid, bp, fp);
        }
        if (!modules.isExecutable(ra)) {
          return end(NO_UNWIND_INFO); // rbp was no frame pointer after all
        }
        cfa = fp + 16;
        fp = value;
      } else {
        switch (cfaKind) {
          case CfiRule.CFA_SP -> cfa = sp + CfiRule.cfaOffset(rule);
          case CfiRule.CFA_FP -> {
            if (fpLost != 0) {
              return end(fpLost);
            }
            cfa = fp + CfiRule.cfaOffset(rule);
          }
          case CfiRule.CFA_PLT ->
              cfa =
                  sp + CfiRule.cfaOffset(rule) + ((pc & 15) >= CfiRule.pltThreshold(rule) ? 8 : 0);
          default -> {
            return end(UNSUPPORTED_RULE);
          }
        }
        int raKind = CfiRule.raKind(rule);
        if (raKind == CfiRule.REG_UNDEFINED) {
          return count; // the outermost frame
        }
        if (raKind != CfiRule.REG_AT) {
          return end(UNSUPPORTED_RULE);
        }
        if (!read(cfa + CfiRule.raOffset(rule))) {
          boolean keepsFramePointer = fpLost == 0 && cfa == fp + 16 && CfiRule.raOffset(rule) == -8;
          return keepsFramePointer ? copyExhausted(hybrid, bp, fp) : end(STACK_COPY_EXHAUSTED);
        }
        ra = value;
        switch (CfiRule.fpKind(rule)) {
          case CfiRule.REG_SAME -> {}
          case CfiRule.REG_AT -> {
            if (read(cfa + CfiRule.fpOffset(rule))) {
              fp = value;
              fpLost = 0;
            } else {
              fpLost = STACK_COPY_EXHAUSTED;
            }
          }
          default -> fpLost = UNSUPPORTED_RULE;
        }
      }
      if (Long.compareUnsigned(cfa, sp) <= 0 || ra == 0) {
        return end(BAD_FRAME);
      }
      index = modules.indexOf(ra);
      if (index < 0) {
        return end(UNKNOWN_CODE);
      }
      if (count == maxFrames) {
        return end(DEPTH_LIMIT);
      }
      push(ra);
      pc = ra;
      sp = callerSp != 0 ? callerSp : cfa;
      first = false;
    }
  }

  /**
   * The copy ends before the return address of a frame whose frame pointer is {@code framePointer}:
   * in the hybrid, the kernel's callchain goes on from that frame when the kernel's walk from
   * {@code bp} passed the same frame pointer (found by the same walk over the copy); otherwise the
   * stack ends here.
   */
  private int copyExhausted(boolean hybrid, long bp, long framePointer) {
    if (hybrid) {
      long walked = bp;
      for (int j = 0; j + 1 < chainLength; j++) {
        if (walked == framePointer) {
          return appendChain(j + 1);
        }
        if (!read(walked) || Long.compareUnsigned(value, walked) <= 0) {
          break; // beyond the copy, or no frame pointer chain (the kernel stops there too)
        }
        walked = value;
      }
    }
    return end(STACK_COPY_EXHAUSTED);
  }

  /** Reads the 8 bytes at {@code address} of the copy into {@link #value}; false outside it. */
  private boolean read(long address) {
    long offset = address - stackAddress;
    if (stackLength < 8 || Long.compareUnsigned(offset, stackLength - 8) > 0) {
      return false;
    }
    value = (long) LONGS.get(stack, stackOffset + (int) offset);
    return true;
  }

  private int push(long frame) {
    out[outOffset + count++] = frame;
    return count;
  }

  /** Ends the stack with {@code marker}; when no slot is left, the last frame gives way to it. */
  private int end(long marker) {
    if (count == maxFrames) {
      out[outOffset + maxFrames - 1] = DEPTH_LIMIT;
      return count;
    }
    return push(marker);
  }
}
