package io.leakdetector.internal.session;

import io.leakdetector.Frame;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.internal.engine.RawStack;
import io.leakdetector.internal.engine.SnapshotQuery;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SymbolResolver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes a {@link LeakSnapshot} from the engine's counters, the source's own counters and the frames
 * of only the stacks reported, symbolized then. Not thread-safe: the session calls it under its
 * report lock.
 */
final class SnapshotAssembler {
  private final SessionConfig config;
  private final HeapEngine engine;
  private final HeapEventSource source;
  private final String sourceName;
  private final SymbolResolver resolver;
  private long sequence;

  SnapshotAssembler(
      SessionConfig config,
      HeapEngine engine,
      HeapEventSource source,
      String sourceName,
      SymbolResolver resolver) {
    this.config = config;
    this.engine = engine;
    this.source = source;
    this.sourceName = sourceName;
    this.resolver = resolver;
  }

  /**
   * A snapshot taken now.
   *
   * @param periodic whether it starts a new interval (growth and lost-in-interval are measured from
   *     it on)
   * @param last whether it is the session's final report
   * @param reason why the session ended, for a final report
   */
  LeakSnapshot take(boolean periodic, boolean last, String reason) {
    boolean skipping = !config.skipFrames().isEmpty();
    EngineSnapshot raw =
        engine.snapshot(
            new SnapshotQuery(
                config.sortOrder(),
                skipping ? MergedStacks.candidates(config.topN()) : config.topN(),
                skipping
                    ? MergedStacks.candidateMinimum(config.minOutstanding())
                    : config.minOutstanding(),
                config.olderThan().toNanos(),
                System.nanoTime(),
                periodic));
    SnapshotFrames frames = new SnapshotFrames(resolver, config.includeKernelFrames());
    List<StackReport> stacks;
    if (skipping) {
      stacks =
          MergedStacks.reports(
              raw.stacks(),
              new TopFrameSkipper(config.skipFrames(), frames),
              config.sortOrder(),
              config.minOutstanding(),
              config.topN());
    } else {
      stacks = new ArrayList<>(raw.stacks().size());
      for (RawStack stack : raw.stacks()) {
        stacks.add(report(stack, frames.of(stack.frames())));
      }
    }
    Map<String, Long> sourceCounters = source.counters();
    return new LeakSnapshot(
        ++sequence,
        Instant.now(),
        source.target(),
        sourceName,
        config.interval(),
        raw.totals(),
        raw.counts().withSourceCauses(source.inexactWhenNonZero(), sourceCounters),
        sourceCounters,
        last,
        reason,
        stacks,
        source.design());
  }

  private static StackReport report(RawStack stack, List<Frame> frames) {
    return new StackReport(
        stack.id(),
        stack.allocCount(),
        stack.freeCount(),
        stack.allocBytes(),
        stack.freeBytes(),
        stack.outstandingCount(),
        stack.outstandingBytes(),
        stack.growthCount(),
        stack.growthBytes(),
        frames,
        stack.threadName());
  }
}
