package io.leakdetector.export.text;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Hand-built snapshots with known values. */
final class Snapshots {
  static final Instant TIME = Instant.parse("2026-11-26T18:26:32.250Z");
  static final TargetProcess TARGET = new TargetProcess(4242, "Demo.exe");

  static final StackReport ORIGINAL =
      new StackReport(
          7,
          30,
          0,
          5040,
          0,
          30,
          5040,
          30,
          5040,
          List.of(
              new Frame(0x7FFE12340000L + 0xC, "ntdll.dll", "NtTraceEvent", 0xC, false),
              new Frame(0x140011F0DL, "Demo.exe", null, 0x11F0D, false)));

  static final StackReport SECOND =
      new StackReport(
          3,
          12,
          4,
          4096,
          1024,
          8,
          3072,
          -2,
          -512,
          List.of(
              new Frame(0x7F0000012345L, "libc.so.6", "malloc", 0x25, false),
              new Frame(0x401234L, "demo", "leak_b", 0x14, false),
              new Frame(0x401500L, "demo", "main", 0x3A, false),
              Frame.unknown(0xDEADBEEFL, false)));

  static final HeapTotals TOTALS = new HeapTotals(42, 4, 9136, 1024, 38, 8112, 2);

  private Snapshots() {}

  /** Two stacks, nothing lost, periodic. */
  static LeakSnapshot known() {
    return new LeakSnapshot(
        3,
        TIME,
        TARGET,
        "etw",
        Duration.ofSeconds(5),
        TOTALS,
        new EventCounts(0, 0, 17, 0, 0),
        Map.of(),
        false,
        "",
        List.of(ORIGINAL, SECOND));
  }

  /** Nothing seen yet. */
  static LeakSnapshot empty() {
    return new LeakSnapshot(
        1,
        TIME,
        TARGET,
        "uprobes",
        Duration.ZERO,
        HeapTotals.EMPTY,
        EventCounts.NONE,
        Map.of(),
        false,
        "",
        List.of());
  }

  /** Nothing lost, but a free was missed and the source says threads were traced late. */
  static LeakSnapshot missedEvents() {
    return new LeakSnapshot(
        5,
        TIME,
        TARGET,
        "uprobes",
        Duration.ofSeconds(5),
        TOTALS,
        new EventCounts(0, 0, 17, 2, 0)
            .withSourceCauses(
                java.util.List.of("threadsAttachedLate", "lateProbeFailures", "lostRecords"),
                Map.of("threadsAttachedLate", 3L, "lateProbeFailures", 1L, "lostRecords", 0L)),
        Map.of("threadsAttachedLate", 3L, "lateProbeFailures", 1L, "lostRecords", 0L),
        false,
        "",
        List.of(ORIGINAL));
  }

  /** Events lost and allocations dropped. */
  static LeakSnapshot inexact() {
    return new LeakSnapshot(
        4,
        TIME,
        TARGET,
        "uprobes",
        Duration.ofSeconds(5),
        TOTALS,
        new EventCounts(120, 20, 17, 0, 3),
        Map.of("lostRecords", 120L),
        false,
        "",
        List.of(ORIGINAL));
  }

  /** The session's final report. */
  static LeakSnapshot last(String endReason) {
    return new LeakSnapshot(
        5,
        TIME,
        TARGET,
        "uprobes",
        Duration.ofSeconds(5),
        TOTALS,
        new EventCounts(0, 0, 17, 0, 0),
        Map.of(),
        true,
        endReason,
        List.of(ORIGINAL, SECOND));
  }
}
