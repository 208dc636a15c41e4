package io.leakdetector.symbols.unwind;

/** How {@link StackUnwinder} builds a stack. */
public enum UnwindMode {
  /**
   * The kernel's frame-pointer callchain as it is, ended with a marker at the first address in no
   * executable mapping: right for programs built with frame pointers, blind to frames without them.
   */
  FP,
  /** Call frame information only, from the registers and the copy of the stack. */
  DWARF,
  /**
   * Call frame information from the copy until the frame that owns the register rbp, then the
   * kernel's callchain: frame-pointer-less frames (allocator wrappers, libstdc++) are unwound, the
   * rest costs no stack copy. Without frame pointers it is {@link #DWARF}.
   */
  AUTO
}
