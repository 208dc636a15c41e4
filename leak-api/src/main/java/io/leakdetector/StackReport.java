package io.leakdetector;

import java.util.List;

/**
 * One call stack's allocations. Counts are of allocations made on this stack; a free counts against
 * the stack that allocated the block.
 *
 * @param id the stack's id, stable for the life of a session
 * @param allocCount allocations made on this stack
 * @param freeCount of those, how many were freed
 * @param allocBytes bytes allocated on this stack
 * @param freeBytes of those, how many bytes were freed
 * @param outstandingCount allocations not yet freed (only those older than the age filter, when one
 *     is set)
 * @param outstandingBytes bytes not yet freed (likewise)
 * @param growthCount change of outstanding allocations since the previous periodic snapshot
 * @param growthBytes change of outstanding bytes since the previous periodic snapshot
 * @param frames the stack, innermost frame first
 * @param threadName the name of the thread that made these allocations when the session splits
 *     stacks by thread ({@link LeakDetector.Builder#byThread}), else null; {@value #EXITED_THREAD}
 *     for a thread that had ended before its name could be read
 */
public record StackReport(
    int id,
    long allocCount,
    long freeCount,
    long allocBytes,
    long freeBytes,
    long outstandingCount,
    long outstandingBytes,
    long growthCount,
    long growthBytes,
    List<Frame> frames,
    String threadName) {

  /** The name of a thread that had ended before the source could read its name. */
  public static final String EXITED_THREAD = "[exited]";

  public StackReport {
    frames = List.copyOf(frames);
  }

  /** A stack of a session that does not split stacks by thread. */
  public StackReport(
      int id,
      long allocCount,
      long freeCount,
      long allocBytes,
      long freeBytes,
      long outstandingCount,
      long outstandingBytes,
      long growthCount,
      long growthBytes,
      List<Frame> frames) {
    this(
        id,
        allocCount,
        freeCount,
        allocBytes,
        freeBytes,
        outstandingCount,
        outstandingBytes,
        growthCount,
        growthBytes,
        frames,
        null);
  }
}
