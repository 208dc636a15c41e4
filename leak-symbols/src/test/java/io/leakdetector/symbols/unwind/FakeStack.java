package io.leakdetector.symbols.unwind;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A user stack built call by call, as the code of {@link FakeProcess} would lay it out: each call
 * pushes its return address, the callee may save the caller's rbp at CFA − 16 and takes a frame of
 * the size its rule says. It gives the copy a BPF program would take and the callchain the kernel's
 * frame-pointer walk would produce.
 */
final class FakeStack {
  static final long TOP = 0x7ffc_0001_0000L;

  private final TreeMap<Long, Long> words = new TreeMap<>();
  private long sp = TOP - 64;

  /**
   * The current function calls another, which sets up its frame.
   *
   * @param returnAddress pushed by the call
   * @param frameSize the callee's CFA offset at its own call sites (CFA = sp + frameSize)
   * @param savedRbp the caller's rbp the callee pushes at CFA − 16, or null
   * @return the callee's CFA
   */
  long call(long returnAddress, long frameSize, Long savedRbp) {
    long cfa = sp;
    write(cfa - 8, returnAddress);
    if (savedRbp != null) {
      write(cfa - 16, savedRbp);
    }
    sp = cfa - frameSize;
    return cfa;
  }

  void write(long address, long value) {
    words.put(address, value);
  }

  long sp() {
    return sp;
  }

  /** Where a copy starts: sp rounded down to 512 bytes. */
  long copyAddress() {
    return sp & -512L;
  }

  /** {@code length} bytes of the stack from {@link #copyAddress()} (unwritten bytes are 0x55). */
  byte[] copy(int length) {
    long from = copyAddress();
    ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < length; i++) {
      bytes.put(i, (byte) 0x55);
    }
    if (length >= 8) {
      words
          .subMap(from, true, from + length - 8, true)
          .forEach((a, v) -> bytes.putLong((int) (a - from), v));
    }
    return bytes.array();
  }

  /** The whole stack from {@link #copyAddress()} to its top. */
  byte[] copy() {
    return copy((int) (TOP - copyAddress()));
  }

  /**
   * The kernel's frame-pointer walk: ip, then {@code [fp + 8]} while {@code fp} is a readable,
   * non-zero address ({@code fp = [fp]}), at most {@code depth} entries.
   */
  long[] kernelChain(long ip, long bp, int depth) {
    List<Long> chain = new ArrayList<>(List.of(ip));
    long fp = bp;
    while (chain.size() < depth && fp != 0 && words.containsKey(fp + 8) && words.containsKey(fp)) {
      chain.add(words.get(fp + 8));
      fp = words.get(fp);
    }
    return chain.stream().mapToLong(Long::longValue).toArray();
  }
}
