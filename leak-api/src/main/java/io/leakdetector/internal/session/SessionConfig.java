package io.leakdetector.internal.session;

import io.leakdetector.SnapshotExporter;
import io.leakdetector.SortOrder;
import io.leakdetector.spi.SymbolOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a session is asked to do, as {@link io.leakdetector.LeakDetector.Builder} checked it:
 * exactly one of {@code pid}, {@code processName} and {@code command} is set.
 *
 * @param pid the process id to attach to, or 0
 * @param processName the executable name to look for, or {@code null}
 * @param command the command to launch, or an empty list
 * @param interval time between periodic snapshots; zero for none
 * @param reportCount periodic snapshots after which the session ends; 0 for no limit
 * @param topN stacks per snapshot at most; 0 for all
 * @param minOutstanding only stacks with at least this many outstanding allocations
 * @param sortOrder the order of the stacks
 * @param minSize allocations smaller than this are ignored
 * @param maxSize allocations larger than this are ignored
 * @param olderThan only allocations at least this old count as outstanding
 * @param includeKernelFrames whether kernel frames stay in the stacks
 * @param debuginfod whether the symbol resolver may fetch missing debug files from debuginfod
 * @param sourceName the source to use, or {@code null} for the first available
 * @param sourceOptions source-specific settings by name
 * @param exporters get every snapshot and are closed with the session
 * @param skipFrames frames these match are dropped from the top of every stack, and stacks left
 *     with the same frames are reported as one (see {@link io.leakdetector.SkipFrames}); empty for
 *     none
 * @param self whether the target is the process the session runs in ({@code pid} is then its own)
 * @param byThread whether stacks are split by the allocating thread's name
 * @param threads only allocations of threads whose name this finds are counted; null for all
 */
public record SessionConfig(
    long pid,
    String processName,
    List<String> command,
    Duration interval,
    int reportCount,
    int topN,
    long minOutstanding,
    SortOrder sortOrder,
    long minSize,
    long maxSize,
    Duration olderThan,
    boolean includeKernelFrames,
    boolean debuginfod,
    String sourceName,
    Map<String, String> sourceOptions,
    List<SnapshotExporter> exporters,
    List<Pattern> skipFrames,
    boolean self,
    boolean byThread,
    Pattern threads) {

  public SessionConfig {
    command = List.copyOf(command);
    sourceOptions = Map.copyOf(sourceOptions);
    exporters = List.copyOf(exporters);
    skipFrames = List.copyOf(skipFrames);
    byThread = byThread || threads != null;
  }

  /** What the symbol resolver is opened with. */
  public SymbolOptions symbolOptions() {
    return new SymbolOptions(includeKernelFrames, debuginfod, Optional.empty());
  }
}
