package io.leakdetector.cli;

import io.leakdetector.LeakDetector;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakSession;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.TargetProcess;
import io.leakdetector.cli.CliOptions.Target;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.HeapEventSources;
import io.leakdetector.spi.TargetProcesses;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One tracing run of the command: checks the target, opens the output and the exporters, builds the
 * {@link LeakDetector}, runs its session until it ends or a stop is requested, and makes sure the
 * final report is out before returning the exit code.
 */
final class TraceRun {
  private static final Duration POLL = Duration.ofMillis(100);
  private static final long TERMINATE_WAIT_MILLIS = 2000;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  TraceRun(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  /**
   * Runs the session.
   *
   * @throws LeakDetectorException when tracing cannot begin (the caller prints the sentence)
   */
  int run(CliOptions options, StopRequests stops) throws LeakDetectorException {
    LeakDetector.Builder builder = LeakDetector.builder();
    target(options, builder);
    try (ReportOutput output =
        options.output() == null
            ? ReportOutput.standardOutput(out)
            : ReportOutput.file(options.output())) {
      List<SnapshotExporter> exporters =
          ExporterSet.create(
              options.format(),
              options.exporters(),
              output.stream(),
              out,
              err,
              options.exporterOptions());
      LeakSession session;
      try {
        session = build(builder, options, exporters).open();
      } catch (LeakDetectorException | RuntimeException e) {
        ExporterSet.closeAll(exporters, err);
        throw e;
      }
      return trace(session, options, stops);
    }
  }

  private void target(CliOptions options, LeakDetector.Builder builder)
      throws LeakDetectorException {
    Target target = options.target();
    if (target instanceof Target.Pid pid) {
      TargetProcesses.requireRunning(pid.pid());
      builder.pid(pid.pid());
    } else if (target instanceof Target.Name name) {
      HeapEventSourceProvider source = HeapEventSources.choose(options.source());
      builder.pid(TargetProcesses.findOne(source, name.name()).pid()).source(source.name());
    } else if (target instanceof Target.Launch launch) {
      builder.command(launch.command());
    } else if (target instanceof Target.Demo demo) {
      builder.command(DemoProgram.command(DemoProgram.locate(env), demo));
    }
  }

  /** The detector; the builder's own checks (which the parser runs first) become USAGE. */
  static LeakDetector build(
      LeakDetector.Builder builder, CliOptions options, List<SnapshotExporter> exporters)
      throws LeakDetectorException {
    try {
      configure(builder, options, exporters);
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new LeakDetectorException(LeakDetectorException.Kind.USAGE, e.getMessage() + ".", e);
    }
  }

  private static void configure(
      LeakDetector.Builder builder, CliOptions options, List<SnapshotExporter> exporters) {
    builder
        .interval(options.interval())
        .reportCount(options.count())
        .topN(options.topN())
        .minOutstanding(options.minSamples())
        .sortOrder(options.sort())
        .minSize(options.minSize())
        .maxSize(options.maxSize())
        .olderThan(options.olderThan())
        .includeKernelFrames(options.kernel())
        .skipFrames(options.skipFrames())
        .byThread(options.byThread())
        .threads(options.threads())
        .debuginfod(options.debuginfod());
    if (options.source() != null) {
      builder.source(options.source());
    }
    options.sourceOptions().forEach(builder::sourceOption);
    exporters.forEach(builder::exporter);
  }

  private int trace(LeakSession session, CliOptions options, StopRequests stops)
      throws LeakDetectorException {
    TargetProcess target;
    try (session) {
      session.start();
      target = session.target();
      err.println("leakdetector: " + describe(session, options));
      while (!session.awaitTermination(POLL)) {
        if (stops.isRequested()) {
          break;
        }
      }
      // Delivers the final report unless the session already did (count reached, target exit).
      session.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      session.stop();
      return ExitCodes.INTERNAL;
    } finally {
      out.flush();
    }
    boolean launched =
        options.target() instanceof Target.Launch || options.target() instanceof Target.Demo;
    if (launched) {
      terminateIfAlive(target.pid());
      if (session.targetExitCode() > 0) {
        err.println(
            "leakdetector: the traced command exited with status "
                + session.targetExitCode()
                + ".");
      }
    }
    LeakDetectorException failure = session.failure();
    if (failure != null) {
      err.println("leakdetector: " + failure.getMessage());
      return ExitCodes.of(failure);
    }
    return ExitCodes.OK;
  }

  /** The line on standard error that says tracing is on, and when reports will come. */
  static String describe(LeakSession session, CliOptions options) {
    TargetProcess target = session.target();
    StringBuilder line = new StringBuilder("tracing pid ").append(target.pid());
    if (!target.name().isEmpty()) {
      line.append(" (").append(target.name()).append(')');
    }
    line.append(" with ").append(session.sourceName()).append("; ");
    if (options.interval().isZero()) {
      line.append("a report when tracing ends (Ctrl+C or the process's exit)");
    } else {
      line.append("a report every ").append(seconds(options.interval()));
      if (options.count() > 0) {
        line.append(", ")
            .append(options.count())
            .append(options.count() == 1 ? " report" : " reports")
            .append(" in all");
      } else {
        line.append(" until Ctrl+C");
      }
    }
    return line.append('.').toString();
  }

  private static String seconds(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? (millis / 1000) + " s" : (millis / 1000.0) + " s";
  }

  /**
   * A launched command belongs to this run: when tracing ends while it still runs (report count
   * reached), it is asked to terminate, and killed if it does not within two seconds.
   */
  static void terminateIfAlive(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) {
      return;
    }
    ProcessHandle process = handle.get();
    process.destroy();
    try {
      process.onExit().get(TERMINATE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } catch (ExecutionException | TimeoutException notYet) {
      process.destroyForcibly();
    }
  }
}
