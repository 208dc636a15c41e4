package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.e2e.TextReports.Report;
import io.leakdetector.cli.e2e.TextReports.Stack;
import java.util.List;

/**
 * What the demo leaks, from demo/README.md: per round, 30 blocks of 168 bytes kept ({@code
 * leak_fixed_blocks}), 20 blocks grown by realloc to 200 bytes and kept ({@code leak_grown_blocks};
 * its malloc site frees all by the realloc and so holds nothing), 30 blocks of 100 bytes of which
 * 24 are freed ({@code leak_partly_freed_blocks}), 4 blocks shrunk by realloc from 400 to 200 bytes
 * and kept ({@code leak_shrunk_blocks}) = 60 blocks, 10440 bytes. Nothing else allocates while the
 * rounds run.
 */
final class DemoRounds {
  /** The four patterns, by the function named by their stack's innermost frame. */
  static final List<String> PATTERNS =
      List.of(
          "leak_fixed_blocks",
          "leak_grown_blocks",
          "leak_partly_freed_blocks",
          "leak_shrunk_blocks");

  static final long BLOCKS_PER_ROUND = 60;
  static final long BYTES_PER_ROUND = 10440;

  private DemoRounds() {}

  /** One pattern's stack after some rounds, as the text report prints it. */
  record Pattern(
      String function, long allocCount, long freeCount, long allocSize, long freeSize, long block) {
    long outstandingCount() {
      return allocCount - freeCount;
    }

    long outstandingBytes() {
      return allocSize - freeSize;
    }

    String framePrefix() {
      return "demo!" + function + "+0x";
    }
  }

  /** The four stacks holding memory after {@code rounds} rounds. */
  static List<Pattern> after(long rounds) {
    return List.of(
        new Pattern("leak_fixed_blocks", 30 * rounds, 0, 30 * 168 * rounds, 0, 168),
        new Pattern("leak_grown_blocks", 20 * rounds, 0, 20 * 200 * rounds, 0, 200),
        new Pattern(
            "leak_partly_freed_blocks",
            30 * rounds,
            24 * rounds,
            3000 * rounds,
            2400 * rounds,
            100),
        new Pattern("leak_shrunk_blocks", 4 * rounds, 0, 4 * 200 * rounds, 0, 200));
  }

  /**
   * Allocations of every stack after {@code rounds} rounds (a realloc is a free + an allocation).
   */
  static long allocations(long rounds) {
    return 108 * rounds;
  }

  static long frees(long rounds) {
    return 48 * rounds;
  }

  static long allocatedBytes(long rounds) {
    return 16440 * rounds;
  }

  static long freedBytes(long rounds) {
    return 6000 * rounds;
  }

  /** The demo's own line after round {@code round}. */
  static String roundLine(long round) {
    return "round "
        + round
        + ": "
        + BLOCKS_PER_ROUND * round
        + " blocks, "
        + BYTES_PER_ROUND * round
        + " bytes outstanding\n";
  }

  /**
   * The totals line of an exact report after {@code rounds} rounds, nothing lost, no unmatched
   * free; {@code suffix} is what follows ({@code ""}, {@code "; final report: target exited"}).
   */
  static String totalsLine(long rounds, String suffix) {
    return "Outstanding: "
        + BYTES_PER_ROUND * rounds
        + " bytes in "
        + BLOCKS_PER_ROUND * rounds
        + " allocations, 4 stacks; lost events: 0 (0 this interval); unmatched frees: 0"
        + suffix;
  }

  /**
   * Asserts that {@code report} shows exactly {@code rounds} rounds: its four stacks, each with the
   * exact counts and bytes, named by its pattern function and called from run_round and main.
   */
  static void assertExact(Report report, long rounds) {
    assertThat(report.stacks()).as("stacks of %s", report).hasSize(4);
    for (Pattern pattern : after(rounds)) {
      List<Stack> named =
          report.stacks().stream()
              .filter(stack -> stack.innermost().startsWith(pattern.framePrefix()))
              .toList();
      assertThat(named).as("the stack of %s in %s", pattern.function(), report).hasSize(1);
      Stack stack = named.get(0);
      assertThat(stack.allocCount())
          .as("%s AllocateCount", pattern.function())
          .isEqualTo(pattern.allocCount());
      assertThat(stack.freeCount())
          .as("%s FreeCount", pattern.function())
          .isEqualTo(pattern.freeCount());
      assertThat(stack.allocSize())
          .as("%s AllocateSize", pattern.function())
          .isEqualTo(pattern.allocSize());
      assertThat(stack.freeSize())
          .as("%s FreeSize", pattern.function())
          .isEqualTo(pattern.freeSize());
      // The demo's allocation wrappers are inlined into the pattern functions: their frames come
      // first, marked; the functions' own frames follow.
      List<String> own = stack.frames().stream().filter(f -> !f.contains(" [inlined]")).toList();
      assertThat(own).as("frames of %s", pattern.function()).hasSizeGreaterThanOrEqualTo(3);
      // Each frame may end with its source line, " (demo.c:42)", when the demo has line info.
      String source = "( \\([^)]+\\))?";
      assertThat(own.get(0)).matches("demo!" + pattern.function() + "\\+0x[0-9A-F]+" + source);
      assertThat(own.get(1)).matches("demo!run_round\\+0x[0-9A-F]+" + source);
      assertThat(own.get(2)).matches("demo!main\\+0x[0-9A-F]+" + source);
    }
  }
}
