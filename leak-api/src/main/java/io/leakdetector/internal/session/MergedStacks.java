package io.leakdetector.internal.session;

import io.leakdetector.SortOrder;
import io.leakdetector.StackReport;
import io.leakdetector.internal.engine.RawStack;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reported stacks when frames are skipped: the engine's candidates with their top frames
 * dropped, those left with the same frames (and, when stacks are split by thread, of the same
 * thread name) summed into one report (counters added up, the smallest id of them kept), then
 * filtered, sorted and cut to top N again.
 *
 * <p>The engine picks its top stacks before any frame is named, so a merged stack could rank higher
 * than each of its parts. Therefore the engine is asked for more candidates than the report shows
 * ({@link #candidates}: 16 per stack reported, at least 1024; all when the report shows all), and
 * for every stack holding an outstanding allocation however small (the minimum applies to the
 * merged stack). Only the top frames of the candidates are named to find their groups; all frames
 * are named for the stacks reported. The result is exact whenever the process has no more
 * candidates than that; beyond, a part ranked below the last candidate is left out of its merged
 * stack, and each such part holds no more than the last candidate does.
 */
final class MergedStacks {
  static final int CANDIDATES_PER_STACK = 16;
  static final int MIN_CANDIDATES = 1024;

  private MergedStacks() {}

  /** How many stacks to ask the engine for when the report shows {@code topN} (0: all). */
  static int candidates(int topN) {
    if (topN == 0) {
      return 0;
    }
    long wanted = Math.max((long) topN * CANDIDATES_PER_STACK, MIN_CANDIDATES);
    return (int) Math.min(wanted, Integer.MAX_VALUE);
  }

  /** The smallest outstanding count the engine's candidates need for {@code minOutstanding}. */
  static long candidateMinimum(long minOutstanding) {
    return Math.min(minOutstanding, 1);
  }

  /**
   * The reports of {@code candidates} (in the engine's order) merged by the frames they show after
   * {@code skipper}'s skipping.
   */
  static List<StackReport> reports(
      List<RawStack> candidates,
      TopFrameSkipper skipper,
      SortOrder sort,
      long minOutstanding,
      int topN) {
    Map<GroupKey, Group> groups = new LinkedHashMap<>();
    SnapshotFrames frames = skipper.frames();
    for (RawStack stack : candidates) {
      TopFrameSkipper.Trim trim = skipper.trim(stack.frames());
      groups
          .computeIfAbsent(
              new GroupKey(trim.key(frames), stack.threadName()),
              k -> new Group(trim, stack.threadName()))
          .add(stack);
    }
    List<Group> chosen = new ArrayList<>(groups.size());
    for (Group group : groups.values()) {
      if (group.outstandingCount >= minOutstanding) {
        chosen.add(group);
      }
    }
    chosen.sort(
        Comparator.comparingLong((Group g) -> g.sortKey(sort))
            .reversed()
            .thenComparingInt(g -> g.id));
    int limit = topN > 0 ? Math.min(topN, chosen.size()) : chosen.size();
    List<StackReport> reports = new ArrayList<>(limit);
    for (Group group : chosen.subList(0, limit)) {
      reports.add(group.report(skipper));
    }
    return reports;
  }

  private record GroupKey(TopFrameSkipper.StackKey frames, String threadName) {}

  /** The sums of the stacks that show the same frames. */
  private static final class Group {
    private final TopFrameSkipper.Trim trim;
    private final String threadName;
    private int id = Integer.MAX_VALUE;
    private long allocCount;
    private long freeCount;
    private long allocBytes;
    private long freeBytes;
    private long outstandingCount;
    private long outstandingBytes;
    private long growthCount;
    private long growthBytes;

    Group(TopFrameSkipper.Trim trim, String threadName) {
      this.trim = trim;
      this.threadName = threadName;
    }

    void add(RawStack stack) {
      id = Math.min(id, stack.id());
      allocCount += stack.allocCount();
      freeCount += stack.freeCount();
      allocBytes += stack.allocBytes();
      freeBytes += stack.freeBytes();
      outstandingCount += stack.outstandingCount();
      outstandingBytes += stack.outstandingBytes();
      growthCount += stack.growthCount();
      growthBytes += stack.growthBytes();
    }

    /** The key the engine sorts by, so that unmerged stacks keep the engine's order. */
    long sortKey(SortOrder sort) {
      return switch (sort == null ? SortOrder.COUNT : sort) {
        case COUNT -> outstandingCount;
        case BYTES -> outstandingBytes;
        case GROWTH -> growthBytes;
      };
    }

    StackReport report(TopFrameSkipper skipper) {
      return new StackReport(
          id,
          allocCount,
          freeCount,
          allocBytes,
          freeBytes,
          outstandingCount,
          outstandingBytes,
          growthCount,
          growthBytes,
          skipper.shown(trim),
          threadName);
    }
  }
}
