package io.leakdetector.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AssemblyFactsTest {
  private static final Pattern LABEL = Pattern.compile("^_?((?:size|off)__[A-Za-z0-9_]+):$");

  @Test
  void readsQuadsPairsOfLongsAndZeroFillAsLittleEndianEightByteValues() {
    List<String> assembly =
        List.of(
            "\t.globl\tsize__EVENT_RECORD",
            "size__EVENT_RECORD:",
            "\t.quad\t112",
            "_off__EVENT_RECORD__UserData:",
            "\t.long\t96",
            "\t.long\t1",
            "size__empty:",
            "\t.zero\t8",
            "not_a_fact:",
            "\t.quad\t7",
            "off__negative:",
            "\t.quad\t-1");

    assertThat(AssemblyFacts.parse(assembly, LABEL))
        .containsOnly(
            entry("size__EVENT_RECORD", 112L),
            entry("off__EVENT_RECORD__UserData", (1L << 32) | 96),
            entry("size__empty", 0L),
            entry("off__negative", -1L));
  }

  @Test
  void findsToolsOnThePath() {
    assertThat(Prerequisite.onPath("sh")).isPresent();
    assertThat(Prerequisite.onPath("no-such-tool-leakdetector")).isEmpty();
  }
}
