package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.probe.AllocatorFunction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadEventsTest {

  @Test
  void functionsThatFreeAreEnabledBeforeFunctionsThatOnlyAllocate() {
    for (AllocatorFunction f : AllocatorFunction.values()) {
      boolean frees =
          f == AllocatorFunction.FREE
              || f == AllocatorFunction.REALLOC
              || f == AllocatorFunction.REALLOCARRAY;
      assertThat(ThreadEvents.entryPhase(f.kind()))
          .as(f.name())
          .isEqualTo(frees ? ThreadEvents.FREEING_ENTRIES : ThreadEvents.ALLOCATING_ENTRIES);
    }
    assertThat(ThreadEvents.RETURNS).isLessThan(ThreadEvents.FREEING_ENTRIES);
    assertThat(ThreadEvents.FREEING_ENTRIES).isLessThan(ThreadEvents.ALLOCATING_ENTRIES);
  }

  @Test
  void eachPhaseIsEnabledInEveryThreadBeforeTheNextPhaseInAny() {
    // fd = 100 * thread + 10 * phase + n, opened in the order a thread opens them
    ThreadEvents a = new ThreadEvents(1);
    a.add(120, 0, ThreadEvents.ALLOCATING_ENTRIES);
    a.add(100, 0, ThreadEvents.RETURNS);
    a.add(110, 0, ThreadEvents.FREEING_ENTRIES);
    a.add(121, 0, ThreadEvents.ALLOCATING_ENTRIES);
    a.add(101, 0, ThreadEvents.RETURNS);
    ThreadEvents b = new ThreadEvents(2);
    b.add(220, 0, ThreadEvents.ALLOCATING_ENTRIES);
    b.add(210, 0, ThreadEvents.FREEING_ENTRIES);
    b.add(200, 0, ThreadEvents.RETURNS);

    List<Integer> order = new ArrayList<>();
    ThreadEvents.inEnableOrder(List.of(a, b), order::add);

    assertThat(order).containsExactly(100, 101, 200, 110, 210, 120, 121, 220);
  }

  @Test
  void addAllKeepsEachEventsPhase() {
    ThreadEvents a = new ThreadEvents(1);
    ThreadEvents more = new ThreadEvents(1);
    for (int i = 0; i < 40; i++) {
      more.add(i, 1000 + i, (byte) (i % ThreadEvents.PHASES));
    }
    a.addAll(more);
    assertThat(a.count).isEqualTo(40);
    for (int i = 0; i < 40; i++) {
      assertThat(a.fds[i]).isEqualTo(i);
      assertThat(a.ids[i]).isEqualTo(1000 + i);
      assertThat(a.phase[i]).isEqualTo((byte) (i % ThreadEvents.PHASES));
    }
  }
}
