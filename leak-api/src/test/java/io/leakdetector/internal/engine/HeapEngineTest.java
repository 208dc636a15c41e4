package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.EventCounts;
import io.leakdetector.HeapTotals;
import io.leakdetector.SortOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's semantics, one rule at a time. */
class HeapEngineTest {
  private static final long SECOND = 1_000_000_000L;

  private final HeapEngine engine = new HeapEngine(EngineConfig.DEFAULT);
  private final long t0 = System.nanoTime();

  private int stack(long... frames) {
    return engine.internStack(frames, 0, frames.length);
  }

  private EngineSnapshot all() {
    return engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, System.nanoTime(), false));
  }

  private EngineSnapshot periodic() {
    return engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, System.nanoTime(), true));
  }

  private static RawStack byId(EngineSnapshot snapshot, int id) {
    return snapshot.stacks().stream().filter(s -> s.id() == id).findFirst().orElseThrow();
  }

  @Test
  void anEmptyEngineHasNothing() {
    EngineSnapshot s = all();
    assertThat(s.totals()).isEqualTo(HeapTotals.EMPTY);
    assertThat(s.counts()).isEqualTo(EventCounts.NONE);
    assertThat(s.stacks()).isEmpty();
  }

  @Test
  void allocationsAndFreesCountPerStack() {
    int a = stack(0x10, 0x20);
    int b = stack(0x30);
    engine.onAlloc(t0, 0, 0x1000, 100, a);
    engine.onAlloc(t0, 0, 0x2000, 50, a);
    engine.onAlloc(t0, 0, 0x3000, 7, b);
    engine.onFree(t0, 0, 0x2000);

    EngineSnapshot s = all();
    assertThat(s.totals()).isEqualTo(new HeapTotals(3, 1, 157, 50, 2, 107, 2));
    RawStack ra = byId(s, a);
    assertThat(ra)
        .extracting(
            RawStack::allocCount,
            RawStack::freeCount,
            RawStack::allocBytes,
            RawStack::freeBytes,
            RawStack::outstandingCount,
            RawStack::outstandingBytes)
        .containsExactly(2L, 1L, 150L, 50L, 1L, 100L);
    assertThat(ra.frames()).containsExactly(0x10L, 0x20L);
    assertThat(byId(s, b).frames()).containsExactly(0x30L);
  }

  @Test
  void aFreeOfAnUnknownAddressIsUnmatchedNeverAnError() {
    int a = stack(1);
    engine.onFree(t0, 0, 0x1234);
    engine.onFree(t0, 0x77, 0x1234);
    engine.onAlloc(t0, 0, 0x1000, 8, a);
    engine.onFree(t0, 0, 0x1000);
    engine.onFree(t0, 0, 0x1000);
    EngineSnapshot s = all();
    assertThat(s.counts().unmatchedFrees()).isEqualTo(3);
    assertThat(s.totals().freeCount()).isEqualTo(1);
    assertThat(s.totals().outstandingCount()).isZero();
  }

  @Test
  void addressZeroIsIgnored() {
    int a = stack(1);
    engine.onAlloc(t0, 0, 0, 8, a);
    engine.onFree(t0, 0, 0);
    EngineSnapshot s = all();
    assertThat(s.totals().allocCount()).isZero();
    assertThat(s.counts()).isEqualTo(EventCounts.NONE);
  }

  @Test
  void anAllocationAtALiveAddressIsAnImpliedFreeOfTheOldBlock() {
    int a = stack(1);
    int b = stack(2);
    engine.onAlloc(t0, 0, 0x1000, 10, a);
    engine.onAlloc(t0, 0, 0x1000, 20, b);
    EngineSnapshot s = all();
    assertThat(s.counts().impliedFrees()).isEqualTo(1);
    assertThat(byId(s, a).freeCount()).isEqualTo(1);
    assertThat(byId(s, a).outstandingCount()).isZero();
    assertThat(byId(s, b).outstandingBytes()).isEqualTo(20);
    assertThat(engine.blockCount()).isEqualTo(1);
  }

  @Test
  void reallocFreesTheOldBlockAndAllocatesOnTheReallocsStack() {
    int a = stack(1);
    int r = stack(2);
    engine.onAlloc(t0, 0, 0x1000, 10, a);
    engine.onRealloc(t0, 0, 0x1000, 0x2000, 30, r);
    EngineSnapshot s = all();
    assertThat(byId(s, a).freeCount()).isEqualTo(1);
    assertThat(byId(s, a).freeBytes()).isEqualTo(10);
    assertThat(byId(s, r).outstandingBytes()).isEqualTo(30);
    engine.onFree(t0, 0, 0x2000);
    assertThat(all().totals().outstandingCount()).isZero();
    assertThat(all().counts().unmatchedFrees()).isZero();
  }

  @Test
  void reallocInPlaceKeepsTheAddress() {
    int a = stack(1);
    int r = stack(2);
    engine.onAlloc(t0, 0, 0x1000, 10, a);
    engine.onRealloc(t0, 0, 0x1000, 0x1000, 40, r);
    EngineSnapshot s = all();
    assertThat(s.counts().impliedFrees()).isZero();
    assertThat(s.counts().unmatchedFrees()).isZero();
    assertThat(byId(s, a).outstandingCount()).isZero();
    assertThat(byId(s, r).outstandingBytes()).isEqualTo(40);
    assertThat(engine.blockCount()).isEqualTo(1);
  }

  @Test
  void reallocOfAnUnknownBlockIsAnUnmatchedFreeAndOfNullAPlainAllocation() {
    int r = stack(2);
    engine.onRealloc(t0, 0, 0x1000, 0x2000, 5, r);
    engine.onRealloc(t0, 0, 0x3000, 0x3000, 6, r);
    engine.onRealloc(t0, 0, 0, 0x4000, 7, r);
    EngineSnapshot s = all();
    assertThat(s.counts().unmatchedFrees()).isEqualTo(2);
    assertThat(s.totals().outstandingCount()).isEqualTo(3);
    assertThat(s.totals().outstandingBytes()).isEqualTo(18);
  }

  @Test
  void reallocToNullFreesOnlyWhenTheNewSizeIsZero() {
    int a = stack(1);
    engine.onAlloc(t0, 0, 0x1000, 10, a);
    engine.onRealloc(t0, 0, 0x1000, 0, 4096, a); // failed: the block stays
    assertThat(all().totals().outstandingCount()).isEqualTo(1);
    engine.onRealloc(t0, 0, 0x1000, 0, 0, a); // realloc(p, 0): freed
    assertThat(all().totals().outstandingCount()).isZero();
    assertThat(all().totals().freeBytes()).isEqualTo(10);
  }

  @Test
  void heapDestroyDropsThatHeapsBlocksOnly() {
    int a = stack(1);
    long heapA = 0x7FF6_1000_0000L;
    long heapB = 0x7FF6_2000_0000L;
    for (int i = 1; i <= 100; i++) {
      engine.onAlloc(t0, heapA, 0x10_0000L + 16L * i, 1, a);
      engine.onAlloc(t0, heapB, 0x20_0000L + 16L * i, 2, a);
    }
    // The same address on two heaps is two blocks.
    engine.onAlloc(t0, heapA, 0x5000, 1, a);
    engine.onAlloc(t0, heapB, 0x5000, 2, a);
    engine.onHeapDestroy(t0, heapA);
    EngineSnapshot s = all();
    assertThat(s.totals().outstandingCount()).isEqualTo(101);
    assertThat(s.totals().outstandingBytes()).isEqualTo(202);
    assertThat(s.totals().freeCount()).isEqualTo(101);
    assertThat(s.counts().impliedFrees()).isZero();
    engine.onFree(t0, heapA, 0x5000);
    engine.onFree(t0, heapB, 0x5000);
    assertThat(all().counts().unmatchedFrees()).isEqualTo(1);
    // A destroyed heap's handle may come back as a new heap.
    engine.onAlloc(t0, heapA, 0x5000, 3, a);
    assertThat(all().totals().outstandingBytes()).isEqualTo(200 + 3);
  }

  @Test
  void sizeFiltersExcludeBlocksFromCountsButTheirFreesStillMatch() {
    HeapEngine filtered = new HeapEngine(new EngineConfig(16, 1024));
    int a = filtered.internStack(new long[] {1}, 0, 1);
    filtered.onAlloc(t0, 0, 0x1000, 8, a);
    filtered.onAlloc(t0, 0, 0x2000, 16, a);
    filtered.onAlloc(t0, 0, 0x3000, 1024, a);
    filtered.onAlloc(t0, 0, 0x4000, 1025, a);
    EngineSnapshot before =
        filtered.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, t0, false));
    assertThat(before.totals()).isEqualTo(new HeapTotals(2, 0, 1040, 0, 2, 1040, 1));
    filtered.onFree(t0, 0, 0x1000);
    filtered.onFree(t0, 0, 0x4000);
    filtered.onFree(t0, 0, 0x2000);
    EngineSnapshot after =
        filtered.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, t0, false));
    assertThat(after.counts().unmatchedFrees()).isZero();
    assertThat(after.totals()).isEqualTo(new HeapTotals(2, 1, 1040, 16, 1, 1024, 1));
  }

  @Test
  void sizesOfTwoGibibytesAndMoreAreKeptExactly() {
    int a = stack(1);
    long huge = (1L << 40) + 3;
    engine.onAlloc(t0, 0, 0x1000, huge, a);
    engine.onAlloc(t0, 0, 0x2000, Integer.MAX_VALUE + 1L, a);
    engine.onAlloc(t0, 0, 0x3000, Integer.MAX_VALUE, a);
    engine.onFree(t0, 0, 0x2000);
    engine.onAlloc(t0, 0, 0x4000, huge + 1, a);
    EngineSnapshot s = all();
    assertThat(s.totals().outstandingBytes()).isEqualTo(huge + Integer.MAX_VALUE + huge + 1);
    assertThat(s.totals().freeBytes()).isEqualTo(Integer.MAX_VALUE + 1L);
  }

  @Test
  void growthIsMeasuredFromThePreviousPeriodicSnapshot() {
    int a = stack(1);
    int b = stack(2);
    engine.onAlloc(t0, 0, 0x1000, 10, a);
    engine.onAlloc(t0, 0, 0x2000, 10, a);
    engine.onAlloc(t0, 0, 0x3000, 5, b);
    EngineSnapshot first = periodic();
    assertThat(byId(first, a).growthCount()).isEqualTo(2);
    assertThat(byId(first, a).growthBytes()).isEqualTo(20);

    engine.onAlloc(t0, 0, 0x4000, 10, a);
    engine.onFree(t0, 0, 0x3000);
    EngineSnapshot onDemand = all();
    assertThat(byId(onDemand, a).growthBytes()).isEqualTo(10);
    assertThat(byId(onDemand, b).growthBytes()).isEqualTo(-5);
    // An on-demand snapshot does not move the mark.
    EngineSnapshot second = periodic();
    assertThat(byId(second, a).growthCount()).isEqualTo(1);
    assertThat(byId(second, b).growthCount()).isEqualTo(-1);
    EngineSnapshot third = periodic();
    assertThat(byId(third, a).growthBytes()).isZero();
    assertThat(byId(third, b).growthBytes()).isZero();
    // A stack first seen after the mark grows from zero.
    int c = stack(3);
    engine.onAlloc(t0, 0, 0x5000, 7, c);
    assertThat(byId(all(), c).growthBytes()).isEqualTo(7);
  }

  @Test
  void lostEventsAreCountedInTotalAndSinceThePreviousPeriodicSnapshot() throws Exception {
    engine.onLost(5);
    Thread other = new Thread(() -> engine.onLost(3));
    other.start();
    other.join();
    assertThat(all().counts().lostEvents()).isEqualTo(8);
    assertThat(all().counts().lostEventsInInterval()).isEqualTo(8);
    EngineSnapshot mark = periodic();
    assertThat(mark.counts().lostEventsInInterval()).isEqualTo(8);
    engine.onLost(2);
    assertThat(all().counts().lostEventsInInterval()).isEqualTo(2);
    assertThat(periodic().counts().lostEventsInInterval()).isEqualTo(2);
    assertThat(all().counts().lostEventsInInterval()).isZero();
    assertThat(all().counts().lostEvents()).isEqualTo(10);
    assertThat(all().counts().exact()).isFalse();
  }

  @Test
  void theAgeFilterCountsOnlyOldEnoughBlocks() {
    int a = stack(1);
    int b = stack(2);
    engine.onAlloc(t0, 0, 0x1000, 10, a);
    engine.onAlloc(t0 + 10 * SECOND, 0, 0x2000, 20, a);
    engine.onAlloc(t0 + 20 * SECOND, 0, 0x3000, 40, b);
    long now = t0 + 30 * SECOND;

    EngineSnapshot olderThan15 =
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 1, 15 * SECOND, now, false));
    assertThat(olderThan15.stacks()).extracting(RawStack::id).containsExactly(a);
    assertThat(olderThan15.stacks().get(0).outstandingCount()).isEqualTo(2);
    assertThat(olderThan15.stacks().get(0).outstandingBytes()).isEqualTo(30);
    assertThat(olderThan15.totals().outstandingCount()).isEqualTo(2);
    assertThat(olderThan15.totals().outstandingBytes()).isEqualTo(30);
    assertThat(olderThan15.totals().stacks()).isEqualTo(1);
    // Counters since tracing started are not filtered by age.
    assertThat(olderThan15.totals().allocCount()).isEqualTo(3);

    EngineSnapshot olderThan25 =
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 1, 25 * SECOND, now, false));
    assertThat(olderThan25.totals().outstandingBytes()).isEqualTo(10);
    EngineSnapshot olderThan35 =
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 1, 35 * SECOND, now, false));
    assertThat(olderThan35.stacks()).isEmpty();
    assertThat(olderThan35.totals().outstandingCount()).isZero();
  }

  @Test
  void theAgeFilterNeverCountsABlockOlderThanItIs() {
    int a = stack(1);
    engine.onAlloc(t0, 0, 0x1000, 10, a);
    SnapshotQuery justTooYoung =
        new SnapshotQuery(SortOrder.COUNT, 0, 0, SECOND, t0 + SECOND - 1, false);
    assertThat(engine.snapshot(justTooYoung).totals().outstandingCount()).isZero();
    SnapshotQuery oldEnough =
        new SnapshotQuery(SortOrder.COUNT, 0, 0, SECOND, t0 + SECOND + 20_000_000L, false);
    assertThat(engine.snapshot(oldEnough).totals().outstandingCount()).isEqualTo(1);
  }

  @Test
  void stacksAreOrderedByTheChosenKeyThenById() {
    int a = stack(1);
    int b = stack(2);
    int c = stack(3);
    int d = stack(4);
    long address = 0x1000;
    // a: 3 blocks of 1 byte; b: 1 block of 100; c: 2 blocks of 10; d: 3 blocks of 1 (tie with a).
    for (int i = 0; i < 3; i++) {
      engine.onAlloc(t0, 0, address += 16, 1, a);
      engine.onAlloc(t0, 0, address += 16, 1, d);
    }
    engine.onAlloc(t0, 0, address += 16, 100, b);
    engine.onAlloc(t0, 0, address += 16, 10, c);
    engine.onAlloc(t0, 0, address += 16, 10, c);
    periodic();
    long grown = address;
    engine.onAlloc(t0, 0, address += 16, 50, c);
    engine.onAlloc(t0, 0, address += 16, 5, a);
    engine.onFree(t0, 0, 0x1000 + 16 * 7); // b's block
    assertThat(grown).isEqualTo(0x1000 + 16 * 9);

    assertThat(ids(SortOrder.COUNT, 0, 0)).containsExactly(a, c, d, b);
    assertThat(ids(SortOrder.BYTES, 0, 0)).containsExactly(c, a, d, b);
    assertThat(ids(SortOrder.GROWTH, 0, 0)).containsExactly(c, a, d, b);
    assertThat(ids(SortOrder.COUNT, 2, 0)).containsExactly(a, c);
    assertThat(ids(SortOrder.COUNT, 0, 3)).containsExactly(a, c, d);
    assertThat(ids(SortOrder.COUNT, 0, 1)).containsExactly(a, c, d);
    // minOutstanding 0 includes stacks with nothing outstanding.
    assertThat(ids(SortOrder.COUNT, 0, 0)).contains(b);
    assertThat(ids(SortOrder.COUNT, 100, 0)).hasSize(4);
  }

  private List<Integer> ids(SortOrder sort, int topN, long minOutstanding) {
    return engine
        .snapshot(new SnapshotQuery(sort, topN, minOutstanding, 0, System.nanoTime(), false))
        .stacks()
        .stream()
        .map(RawStack::id)
        .toList();
  }

  @Test
  void theTotalsCountOnlyStacksWithOutstandingBlocks() {
    int a = stack(1);
    int b = stack(2);
    engine.onAlloc(t0, 0, 0x1000, 1, a);
    engine.onAlloc(t0, 0, 0x2000, 1, b);
    engine.onFree(t0, 0, 0x2000);
    EngineSnapshot s = all();
    assertThat(s.totals().stacks()).isEqualTo(1);
    assertThat(s.stacks()).hasSize(2);
  }

  @Test
  void whenTheTableCannotGrowAllocationsAreDroppedAndCounted() {
    HeapEngine small = new HeapEngine(EngineConfig.DEFAULT, 16, 64);
    int a = small.internStack(new long[] {1}, 0, 1);
    for (int i = 1; i <= 100; i++) {
      small.onAlloc(t0, 0, 16L * i, 1, a);
    }
    // 64 slots, filled up to 15/16: 60 blocks kept.
    EngineSnapshot s = small.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, t0, false));
    assertThat(s.totals().outstandingCount()).isEqualTo(60);
    assertThat(s.counts().droppedAllocations()).isEqualTo(40);
    assertThat(s.counts().exact()).isFalse();
    // Frees make room again.
    for (int i = 1; i <= 10; i++) {
      small.onFree(t0, 0, 16L * i);
    }
    small.onAlloc(t0, 0, 0x100000, 1, a);
    EngineSnapshot after = small.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, 0, t0, false));
    assertThat(after.totals().outstandingCount()).isEqualTo(51);
    assertThat(after.counts().droppedAllocations()).isEqualTo(40);
  }

  @Test
  void anAllocationOnStackMinusOneIsDropped() {
    engine.onAlloc(t0, 0, 0x1000, 1, -1);
    assertThat(all().counts().droppedAllocations()).isEqualTo(1);
    assertThat(all().totals().allocCount()).isZero();
  }

  @Test
  void aStackIdThatWasNeverInternedIsAProgrammingError() {
    assertThatThrownBy(() -> engine.onAlloc(t0, 0, 0x1000, 1, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("never interned");
  }

  @Test
  void batchesNestAndHoldTheLockUntilTheOutermostEnds() throws Exception {
    int a = stack(1);
    engine.beginBatch();
    engine.beginBatch();
    engine.onAlloc(t0, 0, 0x1000, 1, a);
    engine.endBatch();
    Thread snapshotter = new Thread(this::all);
    snapshotter.start();
    snapshotter.join(200);
    assertThat(snapshotter.isAlive()).isTrue();
    engine.endBatch();
    snapshotter.join(10_000);
    assertThat(snapshotter.isAlive()).isFalse();
  }

  @Test
  void aSnapshotInsideTheFeedersOwnBurstSeesEveryEvent() {
    int a = stack(1);
    engine.beginBatch();
    for (int i = 1; i <= 5; i++) {
      engine.onAlloc(t0, 0, 0x1000L * i, 1, a);
    }
    engine.onFree(t0, 0, 0x1000);
    engine.onRealloc(t0, 0, 0x2000, 0x9000, 7, a);
    engine.onHeapDestroy(t0, 0x55);
    assertThat(all().totals().outstandingCount()).isEqualTo(4);
    assertThat(all().totals().outstandingBytes()).isEqualTo(10);
    assertThat(engine.blockCount()).isEqualTo(4);
    engine.onFree(t0, 0, 0x3000);
    engine.endBatch();
    assertThat(all().totals().outstandingCount()).isEqualTo(3);
  }

  @Test
  void aBadStackIdInABurstFailsTheCallThatPassedIt() {
    engine.beginBatch();
    assertThatThrownBy(() -> engine.onAlloc(t0, 0, 0x1000, 1, 9))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> engine.onRealloc(t0, 0, 0x1000, 0x2000, 1, 9))
        .isInstanceOf(IllegalArgumentException.class);
    engine.endBatch();
    assertThat(all().totals().allocCount()).isZero();
  }
}
