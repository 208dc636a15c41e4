package io.leakdetector.uprobes.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The time-ordered merge buffer. */
class EventBatchTest {

  @Test
  void sortsByTimeKeepsTiesInOrderAndCarriesTheRestOver() {
    EventBatch batch = new EventBatch(4);
    // two "rings" appended one after the other, each in time order
    long[] cpu0 = {100, 130, 130, 170, 900};
    long[] cpu1 = {110, 120, 160, 950};
    List<Long> expected = new ArrayList<>();
    for (long t : cpu0) {
      batch.setValues(batch.add(EventBatch.ENTRY, t, 0, 0), t, 0, 0);
    }
    for (long t : cpu1) {
      batch.setValues(batch.add(EventBatch.ENTRY, t, 1, 0), t, 1, 0);
    }
    int ready = batch.sort(500);
    assertThat(ready).isEqualTo(7);
    for (int k = 0; k < ready; k++) {
      expected.add(batch.time(batch.indexAt(k)));
    }
    assertThat(expected).containsExactly(100L, 110L, 120L, 130L, 130L, 160L, 170L);
    EventBatch next = new EventBatch(4);
    batch.carryOver(ready, next);
    assertThat(batch.count()).isZero();
    assertThat(next.count()).isEqualTo(2);
    assertThat(next.time(0)).isEqualTo(900);
    assertThat(next.time(1)).isEqualTo(950);
    assertThat(next.v1(1)).isEqualTo(1);
  }

  @Test
  void carriesStackDumpsOver() {
    EventBatch batch = new EventBatch(4);
    int i = batch.add(EventBatch.RETURN, 10, 1, 0);
    int at = batch.reserveDump(16);
    batch.dumps()[at + 3] = 42;
    batch.setValues(i, 0, 0x7000, 16);
    batch.setAux(i, at);
    batch.sort(0);
    EventBatch next = new EventBatch(4);
    batch.carryOver(0, next);
    assertThat(next.dumps()[next.aux(0) + 3]).isEqualTo((byte) 42);
  }

  @Test
  void randomBatchesComeOutSorted() {
    Random random = new Random(7);
    EventBatch batch = new EventBatch(8);
    for (int n = 0; n < 10_000; n++) {
      long t = 1_000_000_000L + random.nextInt(50_000_000);
      batch.setValues(batch.add(EventBatch.ENTRY, t, n, 0), n, 0, 0);
    }
    int ready = batch.sort(Long.MAX_VALUE);
    assertThat(ready).isEqualTo(10_000);
    for (int k = 1; k < ready; k++) {
      int a = batch.indexAt(k - 1);
      int b = batch.indexAt(k);
      assertThat(batch.time(a)).isLessThanOrEqualTo(batch.time(b));
      if (batch.time(a) == batch.time(b)) {
        assertThat(a).isLessThan(b);
      }
    }
  }
}
