package io.leakdetector.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * An independent check of the demo's documented numbers: valgrind's memcheck counts what the demo
 * really allocates, frees and loses, per allocating function.
 */
class DemoValgrindTest {
  static final int ROUNDS = 3;

  record Lost(long bytes, long blocks) {}

  @Test
  void leaksExactlyWhatItSaysPerPatternAndRound() throws Exception {
    DemoBinaries.requireTool("valgrind");
    String demo = DemoBinaries.require("demo", "gcc").toString();
    DemoBinaries.Result result =
        DemoBinaries.run(
            List.of(
                "valgrind",
                "--leak-check=full",
                "--show-leak-kinds=all",
                demo,
                "--rounds",
                Integer.toString(ROUNDS),
                "--delay-ms",
                "0"));
    assertThat(result.exitCode()).as(result.output()).isZero();
    String out = result.output().replace(",", "");

    // Per pattern: the loss records whose stack runs through the pattern's function.
    Map<String, Lost> lost = lossRecordsByFunction(out);
    assertThat(lost)
        .containsOnly(
            Map.entry("leak_fixed_blocks", new Lost(ROUNDS * 30 * 168L, ROUNDS * 30L)),
            Map.entry("leak_grown_blocks", new Lost(ROUNDS * 20 * 200L, ROUNDS * 20L)),
            Map.entry("leak_partly_freed_blocks", new Lost(ROUNDS * 6 * 100L, ROUNDS * 6L)),
            Map.entry("leak_shrunk_blocks", new Lost(ROUNDS * 4 * 200L, ROUNDS * 4L)));

    assertThat(out)
        .contains("definitely lost: " + ROUNDS * 10440 + " bytes in " + ROUNDS * 60 + " blocks");
    assertThat(out).contains("indirectly lost: 0 bytes in 0 blocks");
    assertThat(out).contains("possibly lost: 0 bytes in 0 blocks");
    assertThat(out).contains("still reachable: 0 bytes in 0 blocks");
    // Per round: 108 allocations (30 + 20 + 20 reallocs + 30 + 4 + 4 reallocs), 48 frees
    // (20 + 4 by realloc, 24 by free), 16440 bytes requested; nothing else in the program.
    assertThat(out)
        .contains(
            "total heap usage: "
                + ROUNDS * 108
                + " allocs "
                + ROUNDS * 48
                + " frees "
                + ROUNDS * 16440
                + " bytes allocated");
  }

  private static Map<String, Lost> lossRecordsByFunction(String valgrindOutput) {
    Pattern record =
        Pattern.compile("(\\d+) bytes in (\\d+) blocks are definitely lost in loss record");
    Pattern frame = Pattern.compile("by 0x[0-9A-F]+: (leak_\\w+) \\(");
    Map<String, Lost> byFunction = new HashMap<>();
    String[] lines = valgrindOutput.split("\n");
    for (int i = 0; i < lines.length; i++) {
      Matcher m = record.matcher(lines[i]);
      if (!m.find()) {
        continue;
      }
      String function = null;
      for (int j = i + 1; j < lines.length && lines[j].matches(".*(at|by) 0x.*"); j++) {
        Matcher f = frame.matcher(lines[j]);
        if (f.find()) {
          function = f.group(1);
          break;
        }
      }
      assertThat(function).as("loss record without a demo function: " + lines[i]).isNotNull();
      Lost before = byFunction.getOrDefault(function, new Lost(0, 0));
      byFunction.put(
          function,
          new Lost(
              before.bytes() + Long.parseLong(m.group(1)),
              before.blocks() + Long.parseLong(m.group(2))));
    }
    return byFunction;
  }
}
