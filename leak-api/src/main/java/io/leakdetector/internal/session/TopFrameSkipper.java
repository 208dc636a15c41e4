package io.leakdetector.internal.session;

import io.leakdetector.Frame;
import io.leakdetector.SkipFrames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Drops the frames that {@link SkipFrames} patterns match from the top of one snapshot's stacks,
 * and says which stacks are left with the same frames.
 *
 * <p>Kernel frames on top of a stack (shown only when asked for) are kept, and skipping starts
 * below them. It stops at the first frame no pattern matches. A stack is never left without a frame
 * that names code: when every frame would go, or only the marker of an early end would stay, the
 * outermost dropped frame stays too.
 */
final class TopFrameSkipper {
  private final List<Pattern> patterns;
  private final SnapshotFrames frames;

  /** Per address, the index of its first frame no pattern matches, or its frame count. */
  private final Map<Long, Integer> firstKept = new HashMap<>();

  TopFrameSkipper(List<Pattern> patterns, SnapshotFrames frames) {
    this.patterns = patterns;
    this.frames = frames;
  }

  /** The frames this skipper looks at. */
  SnapshotFrames frames() {
    return frames;
  }

  /**
   * Where the shown part of {@code stack} resumes after the skipped frames.
   *
   * @param stack the stack's addresses, innermost first
   * @param kernelTop how many addresses on top belong to the kernel (or to nothing shown)
   * @param address the address of the first frame shown below the kernel's
   * @param frame that frame's index among the frames at {@code address}
   */
  record Trim(long[] stack, int kernelTop, int address, int frame) {

    /** Equal for two stacks exactly when they show the same addresses from the same frame on. */
    StackKey key(SnapshotFrames frames) {
      long[] shown = new long[stack.length - address + kernelTop + 1];
      int n = 0;
      for (int i = 0; i < kernelTop; i++) {
        if (!frames.at(stack[i]).isEmpty()) {
          shown[n++] = stack[i];
        }
      }
      for (int i = address; i < stack.length; i++) {
        shown[n++] = stack[i];
      }
      shown[n++] = frame;
      return new StackKey(Arrays.copyOf(shown, n));
    }
  }

  /** Addresses and a frame index, compared by value. */
  static final class StackKey {
    private final long[] values;
    private final int hash;

    StackKey(long[] values) {
      this.values = values;
      this.hash = Arrays.hashCode(values);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof StackKey key && hash == key.hash && Arrays.equals(values, key.values);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Where {@code stack} resumes once its top frames are skipped. */
  Trim trim(long[] stack) {
    int n = stack.length;
    int top = 0;
    while (top < n && kernelOnly(frames.at(stack[top]))) {
      top++;
    }
    int lastDroppedAddress = -1;
    int lastDroppedFrame = -1;
    for (int a = top; a < n; a++) {
      List<Frame> at = frames.at(stack[a]);
      int kept = firstKept(stack[a], at);
      if (kept < at.size()) {
        if (at.get(kept).stackEnd().isPresent()) {
          if (kept > 0) {
            return new Trim(stack, top, a, kept - 1);
          }
          if (lastDroppedAddress >= 0) {
            return new Trim(stack, top, lastDroppedAddress, lastDroppedFrame);
          }
        }
        return new Trim(stack, top, a, kept);
      }
      if (kept > 0) {
        lastDroppedAddress = a;
        lastDroppedFrame = kept - 1;
      }
    }
    if (lastDroppedAddress >= 0) {
      return new Trim(stack, top, lastDroppedAddress, lastDroppedFrame);
    }
    return new Trim(stack, top, n, 0);
  }

  /** The frames {@code trim} leaves, innermost first. */
  List<Frame> shown(Trim trim) {
    long[] stack = trim.stack();
    List<Frame> shown = new ArrayList<>(stack.length);
    for (int i = 0; i < trim.kernelTop(); i++) {
      shown.addAll(frames.at(stack[i]));
    }
    for (int i = trim.address(); i < stack.length; i++) {
      List<Frame> at = frames.at(stack[i]);
      shown.addAll(i == trim.address() ? at.subList(trim.frame(), at.size()) : at);
    }
    return shown;
  }

  private int firstKept(long address, List<Frame> at) {
    return firstKept.computeIfAbsent(
        address,
        a -> {
          int i = 0;
          while (i < at.size() && SkipFrames.matches(patterns, at.get(i))) {
            i++;
          }
          return i;
        });
  }

  private static boolean kernelOnly(List<Frame> at) {
    for (Frame frame : at) {
      if (!frame.kernel()) {
        return false;
      }
    }
    return true;
  }
}
