package io.leakdetector.export.json;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackEnd;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import io.leakdetector.testkit.Snapshots;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The shared report snapshots ({@link Snapshots}) with what the JSON tests need besides: source
 * counters, a kernel frame, a nameless target and a fractional interval; and random snapshots.
 */
final class JsonSnapshots {
  static final Instant TIME = Snapshots.TIME;
  static final TargetProcess TARGET = Snapshots.TARGET;

  /** {@link Snapshots#SECOND} entered from the kernel, called from {@code leak_b} only. */
  static final StackReport SECOND =
      Snapshots.stack(3)
          .counts(12, 4, 4096, 1024)
          .growth(-2, -512)
          .frames(
              new Frame(0xFFFFFFFF81000010L, "[kernel]", "do_syscall_64", 0x10, true),
              new Frame(0x7F0000012345L, "libc.so.6", "malloc", 0x25, false),
              new Frame(0x401234L, "demo", "leak_b", 0x14, false),
              Frame.unknown(0xDEADBEEFL, false))
          .build();

  private JsonSnapshots() {}

  /** Two stacks, nothing lost, periodic, with source counters of its own. */
  static LeakSnapshot known() {
    return Snapshots.builder(Snapshots.known())
        .sourceCounters(Map.of("unpairedStacks", 5L, "decodeFailures", 1L))
        .stacks(Snapshots.ORIGINAL, SECOND)
        .build();
  }

  /** Nothing seen yet, of a process whose name is not known. */
  static LeakSnapshot empty() {
    return Snapshots.builder(Snapshots.empty()).target(new TargetProcess(1, "")).build();
  }

  /** Nothing lost, but a free was missed and the source says threads were traced late. */
  static LeakSnapshot missedEvents() {
    return Snapshots.missedEvents();
  }

  /** Events lost and allocations dropped, every 2.5 s. */
  static LeakSnapshot inexact() {
    return Snapshots.builder(Snapshots.inexact()).interval(Duration.ofMillis(2500)).build();
  }

  /** The session's final report. */
  static LeakSnapshot last(String endReason) {
    return Snapshots.builder(Snapshots.last(endReason)).stacks(Snapshots.ORIGINAL, SECOND).build();
  }

  /** The fixed snapshots above. */
  static List<LeakSnapshot> fixed() {
    return List.of(
        known(),
        empty(),
        inexact(),
        missedEvents(),
        last("target exited"),
        last(""),
        Snapshots.withSourceLines(),
        Snapshots.byThread());
  }

  /**
   * A snapshot with random values over the whole range the API allows: addresses with the high bit
   * set, huge counts, negative growth, frames with and without module, symbol, function, source
   * file and line, inlined frames, early ends, names with quotes, backslashes and non-ASCII
   * characters.
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
    return switch (random.nextInt(5)) {
      case 0 -> Frame.unknown(address, random.nextBoolean());
      case 1 -> new Frame(address, name(random), null, random.nextLong(0, 1L << 40), false);
      case 2 -> new Frame(address, name(random), name(random), random.nextInt(1 << 20), false);
      case 3 -> Frame.end(StackEnd.values()[random.nextInt(StackEnd.values().length)]);
      default ->
          new Frame(
              address,
              name(random),
              name(random),
              random.nextInt(1 << 20),
              false,
              name(random),
              random.nextBoolean() ? null : name(random) + ".cc",
              random.nextBoolean() ? 0 : 1 + random.nextInt(Integer.MAX_VALUE - 1),
              random.nextBoolean());
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
