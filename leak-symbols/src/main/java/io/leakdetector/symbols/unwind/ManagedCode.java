package io.leakdetector.symbols.unwind;

/**
 * What a language runtime knows of the code it generated (HotSpot's interpreter and code cache),
 * for frames in anonymous executable memory that call frame information does not cover. Called by
 * the unwinder's thread only; answers must not allocate.
 */
public interface ManagedCode {
  /** Not the runtime's code: the unwinder's own rules apply. */
  long NOT_MANAGED = -1;

  /** An interpreted frame: rbp is its frame pointer, with the method and bytecode pointer below. */
  long INTERPRETED = -2;

  /** Generated code that keeps an rbp frame (a stub such as HotSpot's call stub). */
  long FRAME_POINTER = -3;

  /** The runtime's code, but nothing says how to leave the frame: the stack ends here. */
  long UNWINDABLE = -4;

  /**
   * How to leave the frame whose code is at {@code pc}: {@link #NOT_MANAGED}, {@link #INTERPRETED},
   * {@link #FRAME_POINTER}, {@link #UNWINDABLE}, or (0 or more) a compiled frame's size in bytes
   * from its stack pointer to its caller's (the return address is the word below that, the caller's
   * rbp the word below that).
   */
  long frameAt(long pc);

  /**
   * Whether the runtime's compiled code keeps rbp as a frame pointer, so that the kernel's
   * frame-pointer walk through it is right (HotSpot's {@code -XX:+PreserveFramePointer}).
   */
  boolean framePointersKept();

  /** Where an interpreted frame keeps its method, as a word offset from its frame pointer. */
  int INTERPRETED_METHOD_SLOT = -3;

  /**
   * Where an interpreted frame keeps its bytecode pointer, as a word offset from its frame pointer.
   */
  int INTERPRETED_BCP_SLOT = -8;

  /** Where an interpreted frame keeps its caller's stack pointer, from its frame pointer. */
  int INTERPRETED_SENDER_SP_SLOT = -1;

  /**
   * The frame address that stands for an interpreted frame of {@code method} at bytecode pointer
   * {@code bcp} (both 0 when the frame's slots lie beyond the stack copy).
   */
  long interpretedFrame(long method, long bcp);
}
