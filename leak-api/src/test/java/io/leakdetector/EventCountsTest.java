package io.leakdetector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCountsTest {

  @Test
  void nothingMissingIsExact() {
    assertThat(EventCounts.NONE.exact()).isTrue();
    assertThat(new EventCounts(0, 0, 25, 0, 0).exact())
        .as("unmatched frees are blocks allocated before tracing, not missing events")
        .isTrue();
  }

  @Test
  void lostEventsMakeItInexact() {
    assertThat(new EventCounts(1, 1, 0, 0, 0).exact()).isFalse();
  }

  @Test
  void droppedAllocationsMakeItInexact() {
    assertThat(new EventCounts(0, 0, 0, 0, 1).exact()).isFalse();
  }

  @Test
  void impliedFreesMakeItInexact() {
    assertThat(new EventCounts(0, 0, 0, 1, 0).exact()).isFalse();
  }

  @Test
  void aNonZeroCauseOfTheSourceMakesItInexactAndOnlyThoseAreKept() {
    Map<String, Long> counters = Map.of("threadsAttachedLate", 2L, "lostRecords", 0L, "other", 9L);
    EventCounts counts =
        EventCounts.NONE.withSourceCauses(
            List.of("lostRecords", "threadsAttachedLate", "missing"), counters);
    assertThat(counts.exact()).isFalse();
    assertThat(counts.sourceCauses()).containsExactly(Map.entry("threadsAttachedLate", 2L));
    assertThat(EventCounts.NONE.withSourceCauses(List.of("lostRecords"), counters).exact())
        .isTrue();
  }
}
