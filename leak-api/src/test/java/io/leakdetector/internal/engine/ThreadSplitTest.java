package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.HeapTotals;
import io.leakdetector.SortOrder;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Stacks split by the allocating thread's name, and the thread filter. */
class ThreadSplitTest {
  private static final long[] FRAMES = {0x10, 0x20, 0x30};
  private final long t0 = System.nanoTime();

  private static EngineSnapshot all(HeapEngine engine) {
    return engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, System.nanoTime(), false));
  }

  private static Map<String, RawStack> byThread(EngineSnapshot snapshot) {
    return snapshot.stacks().stream()
        .collect(Collectors.toMap(RawStack::threadName, Function.identity()));
  }

  @Test
  void withoutSplittingTheThreadIsNotPartOfAStack() {
    HeapEngine engine = new HeapEngine(EngineConfig.DEFAULT);
    assertThat(engine.splitsByThread()).isFalse();
    int a = engine.internThreadName("worker-a");
    int b = engine.internThreadName("worker-b");
    assertThat(a).isZero();
    assertThat(b).isZero();
    int sa = engine.internStack(FRAMES, 0, 3, a);
    assertThat(engine.internStack(FRAMES, 0, 3, b)).isEqualTo(sa);
    assertThat(engine.internStack(FRAMES, 0, 3)).isEqualTo(sa);
    engine.onAlloc(t0, 0, 0x1000, 8, sa);
    RawStack only = all(engine).stacks().get(0);
    assertThat(only.threadName()).isNull();
    assertThat(only.outstandingCount()).isEqualTo(1);
  }

  @Test
  void equalFramesOfTwoThreadNamesAreTwoStacks() {
    HeapEngine engine = new HeapEngine(new EngineConfig(0, Long.MAX_VALUE, true, null));
    assertThat(engine.splitsByThread()).isTrue();
    int a = engine.internThreadName("worker-a");
    int b = engine.internThreadName("worker-b");
    assertThat(a).isPositive().isNotEqualTo(b);
    assertThat(engine.internThreadName("worker-a")).isEqualTo(a);
    int sa = engine.internStack(FRAMES, 0, 3, a);
    int sb = engine.internStack(FRAMES, 0, 3, b);
    assertThat(sb).isNotEqualTo(sa);
    assertThat(engine.internStack(new long[] {9, 0x10, 0x20, 0x30}, 1, 3, a)).isEqualTo(sa);
    for (int i = 0; i < 3; i++) {
      engine.onAlloc(t0, 0, 0x1000 + 16 * i, 10, sa);
    }
    for (int i = 0; i < 5; i++) {
      engine.onAlloc(t0, 0, 0x2000 + 16 * i, 20, sb);
    }

    EngineSnapshot s = all(engine);
    Map<String, RawStack> stacks = byThread(s);
    assertThat(stacks).containsOnlyKeys("worker-a", "worker-b");
    assertThat(stacks.get("worker-a").outstandingCount()).isEqualTo(3);
    assertThat(stacks.get("worker-b").outstandingCount()).isEqualTo(5);
    assertThat(stacks.get("worker-a").frames()).containsExactly(FRAMES);
    assertThat(stacks.get("worker-b").frames()).containsExactly(FRAMES);
    assertThat(s.totals()).isEqualTo(new HeapTotals(8, 0, 130, 0, 8, 130, 2));
  }

  @Test
  void aBlockIsFreedByAddressWhicheverThreadFreesOrReallocatesIt() {
    HeapEngine engine = new HeapEngine(new EngineConfig(0, Long.MAX_VALUE, true, null));
    int sa = engine.internStack(FRAMES, 0, 3, engine.internThreadName("worker-a"));
    int sb = engine.internStack(FRAMES, 0, 3, engine.internThreadName("worker-b"));
    engine.onAlloc(t0, 0, 0x1000, 10, sa);
    engine.onAlloc(t0, 0, 0x2000, 10, sa);
    engine.onFree(t0, 0, 0x1000); // freed on worker-b: sources pass no thread with a free
    engine.onRealloc(t0, 0, 0x2000, 0x3000, 40, sb); // worker-b resizes worker-a's block

    Map<String, RawStack> stacks = byThread(all(engine));
    RawStack a = stacks.get("worker-a");
    assertThat(a.allocCount()).isEqualTo(2);
    assertThat(a.freeCount()).isEqualTo(2);
    assertThat(a.outstandingCount()).isZero();
    assertThat(stacks.get("worker-b").outstandingBytes()).isEqualTo(40);
    assertThat(all(engine).counts().unmatchedFrees()).isZero();
  }

  @Test
  void theFilterCountsOnlyMatchingThreadsAndStillMatchesTheOthersFrees() {
    HeapEngine engine =
        new HeapEngine(new EngineConfig(0, Long.MAX_VALUE, false, Pattern.compile("worker-a")));
    assertThat(engine.splitsByThread()).isTrue(); // a filter implies the split
    int a = engine.internThreadName("worker-a");
    int b = engine.internThreadName("worker-b");
    int sa = engine.internStack(FRAMES, 0, 3, a);
    int sb = engine.internStack(FRAMES, 0, 3, b);
    int otherB = engine.internStack(new long[] {0x99}, 0, 1, b);
    assertThat(otherB).as("a left-out thread's stacks share one frameless stack").isEqualTo(sb);
    engine.onAlloc(t0, 0, 0x1000, 10, sa);
    engine.onAlloc(t0, 0, 0x1010, 10, sa);
    for (int i = 0; i < 4; i++) {
      engine.onAlloc(t0, 0, 0x2000 + 16 * i, 100, sb);
    }
    engine.onFree(t0, 0, 0x2000); // worker-a frees one of worker-b's blocks: matched
    engine.onFree(t0, 0, 0x1000);

    EngineSnapshot s = all(engine);
    assertThat(byThread(s)).containsOnlyKeys("worker-a");
    RawStack kept = byThread(s).get("worker-a");
    assertThat(kept.outstandingCount()).isEqualTo(1);
    assertThat(s.totals()).isEqualTo(new HeapTotals(2, 1, 20, 10, 1, 10, 1));
    assertThat(s.counts().filteredAllocations()).isEqualTo(4);
    assertThat(s.counts().unmatchedFrees()).isZero();
    assertThat(s.counts().exact()).isTrue();
    assertThat(engine.blockCount()).isEqualTo(4); // 1 of worker-a, 3 of worker-b still tracked
  }

  @Test
  void underAFilterAStackWithoutAThreadNameIsFilteredToo() {
    HeapEngine engine =
        new HeapEngine(new EngineConfig(0, Long.MAX_VALUE, false, Pattern.compile("worker")));
    int unnamed = engine.internStack(FRAMES, 0, 3); // a source that does not know threads
    engine.onAlloc(t0, 0, 0x1000, 10, unnamed);
    EngineSnapshot s = all(engine);
    assertThat(s.stacks()).isEmpty();
    assertThat(s.counts().filteredAllocations()).isEqualTo(1);
  }

  @Test
  void aLeftOutThreadIsNeverReportedEvenWithoutAMinimum() {
    HeapEngine engine =
        new HeapEngine(new EngineConfig(0, Long.MAX_VALUE, true, Pattern.compile("^GC ")));
    int gc = engine.internStack(FRAMES, 0, 3, engine.internThreadName("GC Thread#0"));
    int main = engine.internStack(FRAMES, 0, 3, engine.internThreadName("main"));
    engine.onAlloc(t0, 0, 0x1000, 10, gc);
    engine.onAlloc(t0, 0, 0x2000, 10, main);
    EngineSnapshot s = all(engine);
    assertThat(s.stacks()).extracting(RawStack::threadName).containsExactly("GC Thread#0");
    assertThat(s.counts().filteredAllocations()).isEqualTo(1);
  }
}
