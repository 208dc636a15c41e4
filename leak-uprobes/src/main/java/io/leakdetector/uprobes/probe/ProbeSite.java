package io.leakdetector.uprobes.probe;

import java.util.List;

/**
 * One probed address of a libc: the functions found there (aliases, same kind), the entry's file
 * offset and the file offset the probe is placed at.
 *
 * @param functions the names at this address, the first one is the name used in reports
 * @param entryOffset file offset of the function's first instruction
 * @param probeOffset file offset of the probed instruction ({@code entryOffset} or a few bytes
 *     later, see {@link ProbePlacement})
 */
public record ProbeSite(List<AllocatorFunction> functions, long entryOffset, long probeOffset) {
  public ProbeSite {
    functions = List.copyOf(functions);
  }

  public AllocatorFunction function() {
    return functions.get(0);
  }

  public AllocatorFunction.Kind kind() {
    return function().kind();
  }

  public int placementDelta() {
    return (int) (probeOffset - entryOffset);
  }
}
