package io.leakdetector.internal.session;

import io.leakdetector.Frame;
import io.leakdetector.StackEnd;
import io.leakdetector.spi.SymbolResolver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The frames at each address of one snapshot's stacks, as the report shows them: resolved once per
 * snapshot (the resolver may name more the next time, when a module's symbols arrive), with the
 * inlined frames, kernel frames dropped unless asked for, and the markers that end a stack early.
 */
final class SnapshotFrames {
  private final SymbolResolver resolver;
  private final boolean includeKernelFrames;
  private final Map<Long, List<Frame>> resolved = new HashMap<>();

  SnapshotFrames(SymbolResolver resolver, boolean includeKernelFrames) {
    this.resolver = resolver;
    this.includeKernelFrames = includeKernelFrames;
  }

  /** The frames at {@code address}, innermost first; empty for a kernel address not shown. */
  List<Frame> at(long address) {
    return resolved.computeIfAbsent(address, this::resolve);
  }

  /** The frames of a whole stack, innermost first. */
  List<Frame> of(long[] stack) {
    List<Frame> frames = new ArrayList<>(stack.length);
    for (long address : stack) {
      frames.addAll(at(address));
    }
    return frames;
  }

  private List<Frame> resolve(long address) {
    Optional<StackEnd> end = StackEnd.of(address);
    if (end.isPresent()) {
      return List.of(Frame.end(end.get()));
    }
    List<Frame> frames = new ArrayList<>(1);
    for (Frame frame : resolver.resolveWithInlines(address)) {
      if (!frame.kernel() || includeKernelFrames) {
        frames.add(frame);
      }
    }
    return List.copyOf(frames);
  }
}
