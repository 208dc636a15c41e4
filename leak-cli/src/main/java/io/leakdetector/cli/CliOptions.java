package io.leakdetector.cli;

import io.leakdetector.SortOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The command line after checking: every value converted and valid.
 *
 * @param target what to trace; {@code null} only when {@code list} is set
 * @param interval time between reports, {@link Duration#ZERO} for a report only at the end
 * @param count reports after which tracing ends; 0 for no limit
 * @param topN stacks per report; 0 for all
 * @param minSamples minimum outstanding allocations of a reported stack
 * @param clear whether the screen is cleared before each report
 * @param sort order of the stacks
 * @param format the exporter that writes reports to standard output or {@code output}
 * @param output the file reports go to, or {@code null} for standard output
 * @param exporters further exporters by name, without {@code format}, no name twice
 * @param exporterOptions settings every exporter gets ({@code clear}, {@code otel.endpoint}, …)
 * @param minSize smallest allocation counted, in bytes
 * @param maxSize largest allocation counted, in bytes
 * @param olderThan minimum age of an allocation to be reported
 * @param kernel whether kernel frames are kept
 * @param skipFrames the patterns of the frames dropped from the top of stacks, the default set
 *     included unless {@code --skip-frames none}; empty for none
 * @param byThread whether stacks are split by the allocating thread's name
 * @param threads only allocations of threads whose name this finds are counted; null for all
 * @param debuginfod whether missing debug files may be fetched from debuginfod servers
 * @param source the source by name, or {@code null} for the first available
 * @param sourceOptions settings for the source
 * @param list whether to list sources, exporters and resolvers instead of tracing
 * @param debug whether internal failures show their stack trace
 */
record CliOptions(
    Target target,
    Duration interval,
    int count,
    int topN,
    long minSamples,
    boolean clear,
    SortOrder sort,
    String format,
    Path output,
    List<String> exporters,
    Map<String, String> exporterOptions,
    long minSize,
    long maxSize,
    Duration olderThan,
    boolean kernel,
    List<Pattern> skipFrames,
    boolean byThread,
    Pattern threads,
    boolean debuginfod,
    String source,
    Map<String, String> sourceOptions,
    boolean list,
    boolean debug) {

  CliOptions {
    exporters = List.copyOf(exporters);
    exporterOptions = Map.copyOf(exporterOptions);
    skipFrames = List.copyOf(skipFrames);
    sourceOptions = Map.copyOf(sourceOptions);
  }

  /** What to trace. */
  sealed interface Target {
    /** A running process by id. */
    record Pid(long pid) implements Target {}

    /** The one running process whose executable has this name. */
    record Name(String name) implements Target {}

    /** A command to launch and trace. */
    record Launch(List<String> command) implements Target {
      public Launch {
        command = List.copyOf(command);
      }
    }

    /**
     * The bundled native demo, launched with these arguments.
     *
     * @param rounds the demo's {@code --rounds} (0: until stopped), or -1 for the demo's default
     *     (until stopped)
     * @param delayMs the demo's delay between rounds, or -1 for the demo's own
     */
    record Demo(int rounds, long delayMs) implements Target {}
  }
}
