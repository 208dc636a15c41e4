package io.leakdetector.testkit;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackEnd;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Snapshots with known values for the exporters' tests: a builder for snapshots and one for stacks,
 * and the fixed report snapshots that the text and JSON reports are checked against byte by byte
 * (change a value here and those expectations change with it).
 */
public final class Snapshots {
  /** When every fixed snapshot was taken. */
  public static final Instant TIME = Instant.parse("2026-11-26T18:26:32.250Z");

  /** The process of every fixed snapshot but {@link #empty()}'s. */
  public static final TargetProcess TARGET = new TargetProcess(4242, "Demo.exe");

  /** 30 blocks of 168 bytes, all new this interval, on a Windows stack. */
  public static final StackReport ORIGINAL =
      stack(7)
          .counts(30, 0, 5040, 0)
          .frames(
              new Frame(0x7FFE1234000CL, "ntdll.dll", "NtTraceEvent", 0xC, false),
              new Frame(0x140011F0DL, "Demo.exe", null, 0x11F0D, false))
          .build();

  /** 8 of 12 blocks left, fewer than in the previous interval, on a Linux stack. */
  public static final StackReport SECOND =
      stack(3)
          .counts(12, 4, 4096, 1024)
          .growth(-2, -512)
          .frames(
              new Frame(0x7F0000012345L, "libc.so.6", "malloc", 0x25, false),
              new Frame(0x401234L, "demo", "leak_b", 0x14, false),
              new Frame(0x401500L, "demo", "main", 0x3A, false),
              Frame.unknown(0xDEADBEEFL, false))
          .build();

  /**
   * 4 blocks of 24 bytes from C++ code read with its debug information: a function inlined into its
   * caller, source lines with and without a line number, a frame without source information and the
   * marker of a stack that could not be unwound further.
   */
  public static final StackReport SOURCED =
      stack(11)
          .counts(4, 0, 96, 0)
          .frames(
              new Frame(
                  0x55555555A1C4L,
                  "parser",
                  "_ZN6Parser9add_tokenEi",
                  0x34,
                  false,
                  "std::vector<int, std::allocator<int> >::push_back(int const&)",
                  "/usr/include/c++/12/bits/stl_vector.h",
                  1287,
                  true),
              new Frame(
                  0x55555555A1C4L,
                  "parser",
                  "_ZN6Parser9add_tokenEi",
                  0x34,
                  false,
                  "Parser::add_token(int)",
                  "src/parser.cc",
                  42,
                  false),
              new Frame(
                  0x55555555A2F1L,
                  "parser",
                  "_ZN6Parser5parseEv",
                  0x1B,
                  false,
                  "Parser::parse()",
                  "src/parser.cc",
                  0,
                  false),
              new Frame(0x7F0000029D8AL, "libc.so.6", "__libc_start_call_main", 0x7A, false),
              Frame.end(StackEnd.STACK_COPY_EXHAUSTED))
          .build();

  /** The totals of the fixed snapshots that have stacks. */
  public static final HeapTotals TOTALS = new HeapTotals(42, 4, 9136, 1024, 38, 8112, 2);

  private static final EventCounts SEVENTEEN_UNMATCHED = new EventCounts(0, 0, 17, 0, 0);

  private Snapshots() {}

  /**
   * A snapshot builder with these defaults: sequence 1 at {@link #TIME} of {@link #TARGET} by
   * {@code uprobes} every 5 s, empty totals and counts, no source counters, not the last, no
   * stacks.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from the values of {@code snapshot}. */
  public static Builder builder(LeakSnapshot snapshot) {
    return new Builder()
        .sequence(snapshot.sequence())
        .time(snapshot.time())
        .target(snapshot.target())
        .source(snapshot.source())
        .interval(snapshot.interval())
        .totals(snapshot.totals())
        .counts(snapshot.counts())
        .sourceCounters(snapshot.sourceCounters())
        .end(snapshot.last(), snapshot.endReason())
        .stacks(snapshot.stacks());
  }

  /** A stack builder; outstanding and growth follow from the counts unless set. */
  public static StackBuilder stack(int id) {
    return new StackBuilder(id);
  }

  /** Two stacks, nothing lost, periodic, by {@code etw}. */
  public static LeakSnapshot known() {
    return builder()
        .sequence(3)
        .source("etw")
        .totals(TOTALS)
        .counts(SEVENTEEN_UNMATCHED)
        .stacks(ORIGINAL, SECOND)
        .build();
  }

  /** {@link #SOURCED} and {@link #SECOND}, by {@code uprobes}. */
  public static LeakSnapshot withSourceLines() {
    return builder()
        .sequence(2)
        .totals(new HeapTotals(16, 4, 4192, 1024, 12, 3168, 2))
        .stacks(SOURCED, SECOND)
        .build();
  }

  /** Nothing seen yet, no interval. */
  public static LeakSnapshot empty() {
    return builder().interval(Duration.ZERO).build();
  }

  /** Nothing lost, but a free was missed and the source says threads were traced late. */
  public static LeakSnapshot missedEvents() {
    Map<String, Long> counters =
        Map.of("threadsAttachedLate", 3L, "lateProbeFailures", 1L, "lostRecords", 0L);
    return builder()
        .sequence(5)
        .totals(TOTALS)
        .counts(
            new EventCounts(0, 0, 17, 2, 0)
                .withSourceCauses(
                    List.of("threadsAttachedLate", "lateProbeFailures", "lostRecords"), counters))
        .sourceCounters(counters)
        .stacks(ORIGINAL)
        .build();
  }

  /**
   * Stacks split by thread, with a thread filter that left 5 allocations out: the frames of {@link
   * #SECOND} made by {@code worker-a}, and one stack of a thread whose name holds a space and a
   * {@code ;}.
   */
  public static LeakSnapshot byThread() {
    return builder()
        .sequence(2)
        .totals(new HeapTotals(20, 4, 4296, 1024, 16, 3272, 2))
        .counts(new EventCounts(0, 0, 0, 0, 0, Map.of(), 5))
        .stacks(
            stack(3)
                .counts(12, 4, 4096, 1024)
                .frames(SECOND.frames().toArray(Frame[]::new))
                .thread("worker-a")
                .build(),
            stack(4)
                .counts(8, 0, 200, 0)
                .frames(new Frame(0x401300L, "demo", "leak_c", 0x8, false))
                .thread("GC Thread;#0")
                .build())
        .build();
  }

  /** Events lost and allocations dropped. */
  public static LeakSnapshot inexact() {
    return builder()
        .sequence(4)
        .totals(TOTALS)
        .counts(new EventCounts(120, 20, 17, 0, 3))
        .sourceCounters(Map.of("lostRecords", 120L))
        .stacks(ORIGINAL)
        .build();
  }

  /** The session's final report. */
  public static LeakSnapshot last(String endReason) {
    return builder()
        .sequence(5)
        .totals(TOTALS)
        .counts(SEVENTEEN_UNMATCHED)
        .end(true, endReason)
        .stacks(ORIGINAL, SECOND)
        .build();
  }

  /** Builds a {@link LeakSnapshot}; see {@link Snapshots#builder()} for the defaults. */
  public static final class Builder {
    private long sequence = 1;
    private Instant time = TIME;
    private TargetProcess target = TARGET;
    private String source = "uprobes";
    private Duration interval = Duration.ofSeconds(5);
    private HeapTotals totals = HeapTotals.EMPTY;
    private EventCounts counts = EventCounts.NONE;
    private Map<String, Long> sourceCounters = Map.of();
    private boolean last;
    private String endReason = "";
    private List<StackReport> stacks = List.of();

    private Builder() {}

    public Builder sequence(long sequence) {
      this.sequence = sequence;
      return this;
    }

    public Builder time(Instant time) {
      this.time = time;
      return this;
    }

    public Builder target(TargetProcess target) {
      this.target = target;
      return this;
    }

    public Builder source(String source) {
      this.source = source;
      return this;
    }

    public Builder interval(Duration interval) {
      this.interval = interval;
      return this;
    }

    public Builder totals(HeapTotals totals) {
      this.totals = totals;
      return this;
    }

    public Builder counts(EventCounts counts) {
      this.counts = counts;
      return this;
    }

    public Builder sourceCounters(Map<String, Long> sourceCounters) {
      this.sourceCounters = sourceCounters;
      return this;
    }

    /** Whether it is the final report, and why the session ended. */
    public Builder end(boolean last, String endReason) {
      this.last = last;
      this.endReason = endReason;
      return this;
    }

    public Builder stacks(StackReport... stacks) {
      return stacks(List.of(stacks));
    }

    public Builder stacks(List<StackReport> stacks) {
      this.stacks = stacks;
      return this;
    }

    public LeakSnapshot build() {
      return new LeakSnapshot(
          sequence,
          time,
          target,
          source,
          interval,
          totals,
          counts,
          sourceCounters,
          last,
          endReason,
          stacks);
    }
  }

  /** Builds a {@link StackReport}. */
  public static final class StackBuilder {
    private final int id;
    private long allocCount;
    private long freeCount;
    private long allocBytes;
    private long freeBytes;
    private Long growthCount;
    private Long growthBytes;
    private List<Frame> frames = List.of();
    private String threadName;

    private StackBuilder(int id) {
      this.id = id;
    }

    /** Allocations and frees made on the stack, and their bytes. */
    public StackBuilder counts(long allocCount, long freeCount, long allocBytes, long freeBytes) {
      this.allocCount = allocCount;
      this.freeCount = freeCount;
      this.allocBytes = allocBytes;
      this.freeBytes = freeBytes;
      return this;
    }

    /** The change since the previous periodic snapshot; by default all outstanding is new. */
    public StackBuilder growth(long count, long bytes) {
      this.growthCount = count;
      this.growthBytes = bytes;
      return this;
    }

    public StackBuilder frames(Frame... frames) {
      this.frames = List.of(frames);
      return this;
    }

    /** The name of the thread that allocated, as a session split by thread reports it. */
    public StackBuilder thread(String name) {
      this.threadName = name;
      return this;
    }

    public StackReport build() {
      long outstandingCount = allocCount - freeCount;
      long outstandingBytes = allocBytes - freeBytes;
      return new StackReport(
          id,
          allocCount,
          freeCount,
          allocBytes,
          freeBytes,
          outstandingCount,
          outstandingBytes,
          growthCount == null ? outstandingCount : growthCount,
          growthBytes == null ? outstandingBytes : growthBytes,
          frames,
          threadName);
    }
  }
}
