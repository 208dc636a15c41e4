package io.leakdetector;

import io.leakdetector.internal.session.DefaultLeakSession;
import io.leakdetector.internal.session.SessionConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The configuration of a leak-tracing session, made with {@link #builder()}; {@link #open()}
 * attaches and returns the {@link LeakSession}.
 *
 * <pre>{@code
 * LeakDetector detector = LeakDetector.builder()
 *     .pid(4242)
 *     .interval(Duration.ofSeconds(10))
 *     .topN(5)
 *     .exporter(snapshot -> System.out.println(snapshot.totals()))
 *     .build();
 * try (LeakSession session = detector.open()) {
 *   session.start();
 *   session.awaitTermination();
 * }
 * }</pre>
 */
public final class LeakDetector {

  private final SessionConfig config;

  private LeakDetector(SessionConfig config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Finds the source, attaches to the process (or launches the command, held before its first
   * instruction) and opens the symbol resolver. Tracing starts with {@link LeakSession#start()}.
   *
   * @throws LeakDetectorException with one sentence for the user: no such process, not permitted,
   *     no source available here, launch failed
   */
  public LeakSession open() throws LeakDetectorException {
    return DefaultLeakSession.open(config);
  }

  /** The process id to attach to, or 0 when a name or a command is given. */
  public long pid() {
    return config.pid();
  }

  /** Whether the session traces the JVM it runs in ({@link Builder#self()}). */
  public boolean self() {
    return config.self();
  }

  /** The executable name to look for, or {@code null}. */
  public String processName() {
    return config.processName();
  }

  /** The command to launch, or an empty list. */
  public List<String> command() {
    return config.command();
  }

  /** Time between periodic snapshots; {@link Duration#ZERO} for none (on demand and final). */
  public Duration interval() {
    return config.interval();
  }

  /** Periodic snapshots after which the session ends; 0 for no limit. */
  public int reportCount() {
    return config.reportCount();
  }

  /** Stacks per snapshot at most; 0 for all. */
  public int topN() {
    return config.topN();
  }

  public long minOutstanding() {
    return config.minOutstanding();
  }

  public SortOrder sortOrder() {
    return config.sortOrder();
  }

  public long minSize() {
    return config.minSize();
  }

  public long maxSize() {
    return config.maxSize();
  }

  /** Only allocations at least this old are reported as outstanding; zero for all. */
  public Duration olderThan() {
    return config.olderThan();
  }

  public boolean includeKernelFrames() {
    return config.includeKernelFrames();
  }

  /** Whether debug files missing here may be fetched from debuginfod servers; default true. */
  public boolean debuginfod() {
    return config.debuginfod();
  }

  /** The source to use by name, or {@code null} for the first one available here. */
  public String sourceName() {
    return config.sourceName();
  }

  public Map<String, String> sourceOptions() {
    return config.sourceOptions();
  }

  public List<SnapshotExporter> exporters() {
    return config.exporters();
  }

  /** The patterns of the frames dropped from the top of stacks; empty when none are. */
  public List<Pattern> skipFrames() {
    return config.skipFrames();
  }

  /** Whether stacks are split by the allocating thread's name ({@link Builder#byThread}). */
  public boolean byThread() {
    return config.byThread();
  }

  /** The thread name filter ({@link Builder#threads}), or empty. */
  public Optional<Pattern> threads() {
    return Optional.ofNullable(config.threads());
  }

  /** Builds a {@link LeakDetector}. Every setter checks its value at once. */
  public static final class Builder {
    private long pid;
    private boolean self;
    private String processName;
    private List<String> command = List.of();
    private Duration interval = Duration.ZERO;
    private int reportCount;
    private int topN = 10;
    private long minOutstanding = 1;
    private SortOrder sortOrder = SortOrder.COUNT;
    private long minSize;
    private long maxSize = Long.MAX_VALUE;
    private Duration olderThan = Duration.ZERO;
    private boolean includeKernelFrames;
    private boolean debuginfod = true;
    private String sourceName;
    private final Map<String, String> sourceOptions = new LinkedHashMap<>();
    private final List<SnapshotExporter> exporters = new ArrayList<>();
    private final List<Pattern> skipFrames = new ArrayList<>(SkipFrames.DEFAULT);
    private boolean byThread;
    private Pattern threads;

    private Builder() {}

    /** Traces the running process with this id. */
    public Builder pid(long pid) {
      if (pid <= 0) {
        throw new IllegalArgumentException("pid must be positive: " + pid);
      }
      this.pid = pid;
      this.self = false;
      return this;
    }

    /**
     * Traces the JVM this library runs in (Linux, BPF design; attached while it runs, never
     * stopped). The session's own threads are excluded: the source's reader, the session's
     * reporting thread, and the exporters it runs, so their allocations are dropped (and counted as
     * {@code excludedEvents}) and there is no feedback loop; so are the threads an exporter starts
     * from the session's factory ({@link SnapshotExporter#threadFactory}: the {@code otel}
     * exporter's periodic reader and OTLP sender). The JVM's own threads (GC, compiler) and threads
     * a library starts on its own (the JDK {@code HttpClient}'s selector and workers under the OTLP
     * sender) are traced like any other.
     */
    public Builder self() {
      this.pid = ProcessHandle.current().pid();
      this.self = true;
      return this;
    }

    /** Traces the one running process whose executable has this name. */
    public Builder processName(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("process name is empty");
      }
      this.processName = name;
      return this;
    }

    /**
     * Launches this command and traces it from its first instruction. The command is not ended with
     * the session: if it still runs when the session ends, the caller decides (the command line
     * terminates it).
     */
    public Builder command(List<String> command) {
      if (command == null || command.isEmpty()) {
        throw new IllegalArgumentException("command is empty");
      }
      this.command = List.copyOf(command);
      return this;
    }

    /** Time between periodic snapshots; zero for none. */
    public Builder interval(Duration interval) {
      if (interval == null || interval.isNegative()) {
        throw new IllegalArgumentException("interval must not be negative");
      }
      this.interval = interval;
      return this;
    }

    /** Periodic snapshots after which the session ends; 0 for no limit. */
    public Builder reportCount(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("report count must not be negative: " + count);
      }
      this.reportCount = count;
      return this;
    }

    /** Stacks per snapshot at most; 0 for all. Default 10. */
    public Builder topN(int topN) {
      if (topN < 0) {
        throw new IllegalArgumentException("top N must not be negative: " + topN);
      }
      this.topN = topN;
      return this;
    }

    /** Only stacks with at least this many outstanding allocations. Default 1. */
    public Builder minOutstanding(long min) {
      if (min < 0) {
        throw new IllegalArgumentException("minimum count must not be negative: " + min);
      }
      this.minOutstanding = min;
      return this;
    }

    public Builder sortOrder(SortOrder order) {
      this.sortOrder = Objects.requireNonNull(order, "order");
      return this;
    }

    /** Ignores allocations smaller than this many bytes. */
    public Builder minSize(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("minimum size must not be negative: " + bytes);
      }
      this.minSize = bytes;
      return this;
    }

    /** Ignores allocations larger than this many bytes. */
    public Builder maxSize(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maximum size must not be negative: " + bytes);
      }
      this.maxSize = bytes;
      return this;
    }

    /** Reports only allocations at least this old. */
    public Builder olderThan(Duration age) {
      if (age == null || age.isNegative()) {
        throw new IllegalArgumentException("age must not be negative");
      }
      this.olderThan = age;
      return this;
    }

    public Builder includeKernelFrames(boolean include) {
      this.includeKernelFrames = include;
      return this;
    }

    /**
     * Whether debug files missing on this machine may be fetched, in the background, from the
     * debuginfod servers named by {@code DEBUGINFOD_URLS} (Linux; frames of a module are named once
     * its file arrives). Default true, which does nothing while {@code DEBUGINFOD_URLS} is unset;
     * false: no network lookups.
     */
    public Builder debuginfod(boolean allowed) {
      this.debuginfod = allowed;
      return this;
    }

    /** Uses the source of this name instead of the first one available. */
    public Builder source(String name) {
      this.sourceName = name;
      return this;
    }

    /** A source-specific setting, for example {@code uprobes.ring-kib}. */
    public Builder sourceOption(String name, String value) {
      sourceOptions.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
      return this;
    }

    /** Adds an exporter; it gets every snapshot and is closed with the session. */
    public Builder exporter(SnapshotExporter exporter) {
      exporters.add(Objects.requireNonNull(exporter, "exporter"));
      return this;
    }

    /**
     * Replaces the patterns of the frames dropped from the top of every stack, the default set
     * ({@link SkipFrames#DEFAULT}) included; an empty list drops none. A pattern must match a
     * frame's whole function name or {@code module!function} (see {@link SkipFrames}).
     *
     * <p>Dropping stops at the first frame no pattern matches, so stacks still differ where their
     * callers differ. Stacks left with the same frames are reported as one: their counters are
     * added up and the smallest of their ids is kept. To find such stacks among more than the top
     * N, a session takes 16 candidates per stack reported (at least 1024) from its counters; a
     * merged stack whose parts rank below those is reported without them.
     */
    public Builder skipFrames(List<Pattern> patterns) {
      List<Pattern> copy = List.copyOf(Objects.requireNonNull(patterns, "patterns"));
      skipFrames.clear();
      skipFrames.addAll(copy);
      return this;
    }

    /** Adds a pattern to those of {@link #skipFrames}; the default set stays unless replaced. */
    public Builder addSkipFrame(Pattern pattern) {
      skipFrames.add(Objects.requireNonNull(pattern, "pattern"));
      return this;
    }

    /**
     * Splits stacks by the name of the thread that allocated: equal frames allocated by threads of
     * two names are two stacks, each reported with its {@link StackReport#threadName()}. Threads of
     * one name (a pool's workers named alike) share their stacks. A free is matched by address
     * whichever thread frees. The name is what the operating system knows the thread by (on Linux
     * its {@code comm}, 15 characters at most, as {@code pthread_setname_np} and the JVM set it,
     * e.g. {@code "C2 CompilerThre"}, {@code "GC Thread#0"}); a thread that ended before its name
     * was read is {@value StackReport#EXITED_THREAD}. Sources that do not know the allocating
     * thread (ETW so far) report stacks without a name. Default false.
     */
    public Builder byThread(boolean split) {
      this.byThread = split;
      return this;
    }

    /**
     * Counts only the allocations of threads whose name {@code pattern} finds ({@link
     * java.util.regex.Matcher#find()}: anchor it with {@code ^…$} for whole names); implies {@link
     * #byThread}. The allocations of other threads are still tracked, so that a block they allocate
     * and a counted thread frees is freed, but left out of the totals and the stacks, and counted
     * as {@link EventCounts#filteredAllocations()}; so are those of a source that does not know the
     * allocating thread (ETW so far). Null for no filter (the default).
     */
    public Builder threads(Pattern pattern) {
      this.threads = pattern;
      return this;
    }

    /**
     * @throws IllegalArgumentException unless exactly one of pid, process name and command is set,
     *     or when the minimum size exceeds the maximum
     */
    public LeakDetector build() {
      int targets = (pid > 0 ? 1 : 0) + (processName != null ? 1 : 0) + (command.isEmpty() ? 0 : 1);
      if (targets != 1) {
        throw new IllegalArgumentException(
            "give exactly one of a pid (or self), a process name and a command to launch");
      }
      if (minSize > maxSize) {
        throw new IllegalArgumentException(
            "minimum size " + minSize + " exceeds maximum size " + maxSize);
      }
      return new LeakDetector(
          new SessionConfig(
              pid,
              processName,
              command,
              interval,
              reportCount,
              topN,
              minOutstanding,
              sortOrder,
              minSize,
              maxSize,
              olderThan,
              includeKernelFrames,
              debuginfod,
              sourceName,
              sourceOptions,
              exporters,
              skipFrames,
              self,
              byThread,
              threads));
    }
  }
}
