package io.leakdetector;

import java.util.Optional;

/**
 * Why a stack ends before its outermost caller. A source that cannot unwind further ends the stack
 * with {@link #address()} of the reason, an address in the last page of the address space, which no
 * process maps; the report shows it as a marked frame ({@code [stack copy exhausted: ...]}), never
 * as a garbage address.
 */
public enum StackEnd {
  /** The caller's code has no unwind information (no CFI, no frame pointer to trust). */
  NO_UNWIND_INFO("no unwind information for the next caller"),
  /** The copy of the user stack taken with the event ends before the next frame. */
  STACK_COPY_EXHAUSTED("stack copy exhausted: raise --stack-copy for deeper stacks"),
  /** The caller's unwind rule is one the unwinder cannot evaluate (a DWARF expression). */
  UNSUPPORTED_RULE("unwind rule not supported"),
  /**
   * The unwound frame is not plausible (the stack pointer went backwards, a zero return address).
   */
  BAD_FRAME("unwinding stopped at an implausible frame"),
  /** The stack has more frames than the source keeps. */
  DEPTH_LIMIT("stack depth limit reached"),
  /** A return address lies in code no mapped module covers (JIT code without a perf map). */
  UNKNOWN_CODE("return address in unknown code"),
  /**
   * A JVM's JIT-compiled frame that cannot be unwound: the JVM's code cache could not be read and
   * its compiled code keeps no frame pointer to follow.
   */
  JIT_FRAME_UNWINDABLE(
      "JIT-compiled Java frame not unwindable: run the JVM with -XX:+PreserveFramePointer for"
          + " complete Java stacks");

  private static final long BASE = 0xFFFF_FFFF_FFFF_F000L;
  private final String description;

  StackEnd(String description) {
    this.description = description;
  }

  /** The frame address that stands for this reason in a stack of addresses. */
  public long address() {
    return BASE | ordinal();
  }

  /** What the report says. */
  public String description() {
    return description;
  }

  /** The reason {@code address} stands for, if it is one of these markers. */
  public static Optional<StackEnd> of(long address) {
    if ((address & BASE) != BASE) {
      return Optional.empty();
    }
    int index = (int) (address & ~BASE);
    StackEnd[] all = values();
    return index < all.length ? Optional.of(all[index]) : Optional.empty();
  }
}
