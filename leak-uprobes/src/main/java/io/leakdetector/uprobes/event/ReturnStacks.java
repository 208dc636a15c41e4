package io.leakdetector.uprobes.event;

import java.nio.ByteBuffer;

/**
 * Turns what a return record captured into the allocation's stack: the user registers at the
 * return, a copy of the top of the user stack, and the kernel's frame-pointer callchain.
 */
@FunctionalInterface
public interface ReturnStacks {

  /**
   * Writes the stack, innermost first ({@code out[0]} the return address in the allocation's
   * caller), and returns how many frames it wrote (at most {@code out.length}).
   *
   * @param stack holds the copy of the user stack from {@code stackOffset} (the record itself, in
   *     its ring: read what is needed, copy nothing): {@code stackLength} bytes that lay at {@code
   *     stackAddress}
   * @param chain the kernel's callchain, {@code chainLength} addresses
   */
  int unwind(
      long ip,
      long sp,
      long bp,
      ByteBuffer stack,
      int stackOffset,
      int stackLength,
      long stackAddress,
      long[] chain,
      int chainLength,
      long[] out);

  /** The kernel's frame-pointer callchain as it is. */
  ReturnStacks CALLCHAIN =
      (ip, sp, bp, stack, stackOffset, stackLength, stackAddress, chain, chainLength, out) -> {
        int n = Math.min(chainLength, out.length);
        System.arraycopy(chain, 0, out, 0, n);
        return n;
      };
}
