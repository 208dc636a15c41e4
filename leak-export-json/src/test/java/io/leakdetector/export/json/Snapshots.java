package io.leakdetector.export.json;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Hand-built and random snapshots. */
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
              new Frame(0x7FFE1234000CL, "ntdll.dll", "NtTraceEvent", 0xC, false),
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
              new Frame(0xFFFFFFFF81000010L, "[kernel]", "do_syscall_64", 0x10, true),
              new Frame(0x7F0000012345L, "libc.so.6", "malloc", 0x25, false),
              new Frame(0x401234L, "demo", "leak_b", 0x14, false),
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
        Map.of("unpairedStacks", 5L, "decodeFailures", 1L),
        false,
        "",
        List.of(ORIGINAL, SECOND));
  }

  /** Nothing seen yet. */
  static LeakSnapshot empty() {
    return new LeakSnapshot(
        1,
        TIME,
        new TargetProcess(1, ""),
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
        Duration.ofMillis(2500),
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

  /** The fixed snapshots above. */
  static List<LeakSnapshot> fixed() {
    return List.of(known(), empty(), inexact(), missedEvents(), last("target exited"), last(""));
  }

  /**
   * A snapshot with random values over the whole range the API allows: addresses with the high bit
   * set, huge counts, negative growth, frames with and without module and symbol, names with
   * quotes, backslashes and non-ASCII characters.
   */
  static LeakSnapshot random(Random random) {
    int stackCount = random.nextInt(6);
    List<StackReport> stacks = new ArrayList<>();
    for (int s = 0; s < stackCount; s++) {
      int depth = random.nextInt(5);
      List<Frame> frames = new ArrayList<>();
      for (int f = 0; f < depth; f++) {
        frames.add(randomFrame(random));
      }
      stacks.add(
          new StackReport(
              random.nextInt(Integer.MAX_VALUE),
              count(random),
              count(random),
              count(random),
              count(random),
              count(random),
              count(random),
              random.nextLong(),
              random.nextLong(),
              frames));
    }
    Map<String, Long> counters = new TreeMap<>();
    for (int c = random.nextInt(3); c > 0; c--) {
      counters.put(name(random), random.nextLong());
    }
    boolean last = random.nextBoolean();
    long lost = random.nextBoolean() ? 0 : count(random);
    return new LeakSnapshot(
        1 + random.nextInt(1_000_000),
        Instant.ofEpochMilli(random.nextLong(0, 4_102_444_800_000L))
            .plusNanos(random.nextInt(999_999)),
        new TargetProcess(random.nextInt(4_194_304), random.nextBoolean() ? "" : name(random)),
        random.nextBoolean() ? "uprobes" : "etw",
        Duration.ofMillis(random.nextInt(100_000)),
        new HeapTotals(
            count(random),
            count(random),
            count(random),
            count(random),
            count(random),
            count(random),
            random.nextInt(Integer.MAX_VALUE)),
        new EventCounts(lost, lost / 2, count(random), count(random), random.nextInt(2)),
        counters,
        last,
        last ? name(random) : "",
        stacks);
  }

  private static Frame randomFrame(Random random) {
    long address = random.nextLong();
    return switch (random.nextInt(3)) {
      case 0 -> Frame.unknown(address, random.nextBoolean());
      case 1 -> new Frame(address, name(random), null, random.nextLong(0, 1L << 40), false);
      default -> new Frame(address, name(random), name(random), random.nextInt(1 << 20), false);
    };
  }

  private static long count(Random random) {
    return random.nextBoolean() ? random.nextInt(100_000) : random.nextLong(0, Long.MAX_VALUE);
  }

  private static final String[] PARTS = {
    "malloc",
    "libc.so.6",
    "operator new(unsigned long)",
    "Größe",
    "\"quoted\"",
    "back\\slash",
    "tab\tname",
    "日本",
    "std::vector<int>::push_back",
    "a;b"
  };

  private static String name(Random random) {
    return PARTS[random.nextInt(PARTS.length)] + random.nextInt(100);
  }
}
