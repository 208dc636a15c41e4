package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.EventCounts;
import io.leakdetector.HeapTotals;
import io.leakdetector.SortOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The engine against {@link ReferenceModel} over random streams of allocations, frees, reallocs,
 * heap destroys, lost events and snapshots: a small address space (so addresses are reused and
 * blocks collide in the table), unknown frees, implied frees, several heaps, size filters, sizes of
 * 2 GiB and more, and a table that starts tiny so it grows many times.
 */
class EngineModelPropertyTest {
  private static final long STEP = 20_000_000L;
  private static final int STACKS = 24;

  /** One event (or snapshot) of a stream, applied to the engine and the model alike. */
  sealed interface Op permits Alloc, Free, Realloc, Destroy, Lost, Snap {
    void apply(HeapEngine engine, ReferenceModel model, int[] ids, long t);
  }

  record Alloc(long heap, long address, long size, int stack) implements Op {
    @Override
    public void apply(HeapEngine engine, ReferenceModel model, int[] ids, long t) {
      engine.onAlloc(t, heap, address, size, ids[stack]);
      model.alloc(t, heap, address, size, ids[stack]);
    }
  }

  record Free(long heap, long address) implements Op {
    @Override
    public void apply(HeapEngine engine, ReferenceModel model, int[] ids, long t) {
      engine.onFree(t, heap, address);
      model.free(heap, address);
    }
  }

  record Realloc(long heap, long oldAddress, long newAddress, long size, int stack) implements Op {
    @Override
    public void apply(HeapEngine engine, ReferenceModel model, int[] ids, long t) {
      engine.onRealloc(t, heap, oldAddress, newAddress, size, ids[stack]);
      model.realloc(t, heap, oldAddress, newAddress, size, ids[stack]);
    }
  }

  record Destroy(long heap) implements Op {
    @Override
    public void apply(HeapEngine engine, ReferenceModel model, int[] ids, long t) {
      engine.onHeapDestroy(t, heap);
      model.destroy(heap);
    }
  }

  record Lost(long count) implements Op {
    @Override
    public void apply(HeapEngine engine, ReferenceModel model, int[] ids, long t) {
      engine.onLost(count);
      model.lost += count;
    }
  }

  record Snap(SortOrder sort, int topN, long minOutstanding, int ageSteps, boolean periodic)
      implements Op {
    @Override
    public void apply(HeapEngine engine, ReferenceModel model, int[] ids, long t) {
      throw new UnsupportedOperationException("the test takes snapshots itself");
    }
  }

  record Scenario(long minSize, long maxSize, boolean batched, List<Op> ops) {}

  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void engineMatchesTheModel(@ForAll("scenarios") Scenario scenario) {
    HeapEngine engine =
        new HeapEngine(
            new EngineConfig(scenario.minSize(), scenario.maxSize()),
            16,
            AllocationTable.MAX_CAPACITY);
    ReferenceModel model = new ReferenceModel(scenario.minSize(), scenario.maxSize());
    long t0 = System.nanoTime();
    int[] ids = internStacks(engine, model);
    int i = 0;
    if (scenario.batched()) {
      engine.beginBatch();
    }
    for (Op op : scenario.ops()) {
      long t = t0 + i++ * STEP;
      if (op instanceof Snap snap) {
        if (scenario.batched()) {
          engine.endBatch();
        }
        compare(engine, model, snap, t);
        if (scenario.batched()) {
          engine.beginBatch();
        }
      } else {
        op.apply(engine, model, ids, t);
      }
    }
    if (scenario.batched()) {
      engine.endBatch();
    }
    long end = t0 + i * STEP;
    compare(engine, model, new Snap(SortOrder.COUNT, 0, 0, 0, false), end);
    compare(engine, model, new Snap(SortOrder.BYTES, 5, 1, 0, false), end);
    compare(engine, model, new Snap(SortOrder.GROWTH, 3, 0, 0, true), end);
    assertThat(engine.blockCount()).isEqualTo(model.live.size());
    int n = scenario.ops().size();
    Statistics.label("stream length")
        .collect(n < 100 ? "< 100" : n < 500 ? "100-499" : n < 1000 ? "500-999" : ">= 1000");
    Statistics.label("implied and unmatched frees")
        .collect(model.implied > 0 && model.unmatched > 0 ? "both" : "not both");
    Statistics.label("live blocks at the end")
        .collect(
            model.live.size() < 12
                ? "< 12 (no growth)"
                : model.live.size() < 100 ? "12-99" : ">= 100");
  }

  /**
   * Interns the stacks the ops refer to: stack s has s % 8 frames (so the empty stack is among
   * them, three times), stacks 8 apart share their length, all share leading frames. Checks that
   * the engine's ids are dense in order of first appearance, equal for equal stacks.
   */
  private static int[] internStacks(HeapEngine engine, ReferenceModel model) {
    int[] ids = new int[STACKS];
    long[] frames = new long[40];
    Map<List<Long>, Integer> expected = new HashMap<>();
    for (int s = 0; s < STACKS; s++) {
      int length = s % 8;
      List<Long> stack = new ArrayList<>();
      for (int f = 0; f < length; f++) {
        frames[3 + f] = 0x400000L + f * 0x10 + (f == length - 1 ? s : 0);
        stack.add(frames[3 + f]);
      }
      ids[s] = engine.internStack(frames, 3, length);
      Integer known = expected.get(stack);
      if (known == null) {
        known = expected.size();
        expected.put(stack, known);
        model.addStack();
      }
      assertThat(ids[s]).isEqualTo(known);
    }
    assertThat(engine.stackCount()).isEqualTo(model.counters.size()).isEqualTo(STACKS - 2);
    return ids;
  }

  private static void compare(HeapEngine engine, ReferenceModel model, Snap s, long now) {
    long olderThan = s.ageSteps() > 0 ? s.ageSteps() * STEP + STEP / 2 : 0;
    Long bornBy = olderThan > 0 ? now - olderThan : null;
    List<ReferenceModel.Row> rows = model.rows(bornBy);

    EngineSnapshot all =
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 0, olderThan, now, false));
    assertThat(all.stacks()).hasSize(rows.size());
    for (RawStack r : all.stacks()) {
      assertThat(row(r)).isEqualTo(rows.get(r.id()));
    }
    HeapTotals totals = all.totals();
    assertThat(totals.allocCount()).isEqualTo(rows.stream().mapToLong(r -> r.allocCount()).sum());
    assertThat(totals.freeCount()).isEqualTo(rows.stream().mapToLong(r -> r.freeCount()).sum());
    assertThat(totals.allocBytes()).isEqualTo(rows.stream().mapToLong(r -> r.allocBytes()).sum());
    assertThat(totals.freeBytes()).isEqualTo(rows.stream().mapToLong(r -> r.freeBytes()).sum());
    assertThat(totals.outstandingCount())
        .isEqualTo(rows.stream().mapToLong(r -> r.outstandingCount()).sum());
    assertThat(totals.outstandingBytes())
        .isEqualTo(rows.stream().mapToLong(r -> r.outstandingBytes()).sum());
    assertThat(totals.stacks())
        .isEqualTo((int) rows.stream().filter(r -> r.outstandingCount() > 0).count());
    assertThat(all.counts())
        .isEqualTo(
            new EventCounts(
                model.lost, model.lost - model.lostMark, model.unmatched, model.implied, 0));

    EngineSnapshot chosen =
        engine.snapshot(
            new SnapshotQuery(
                s.sort(), s.topN(), s.minOutstanding(), olderThan, now, s.periodic()));
    List<ReferenceModel.Row> expected = model.select(rows, s.sort(), s.topN(), s.minOutstanding());
    assertThat(chosen.stacks().stream().map(EngineModelPropertyTest::row).toList())
        .isEqualTo(expected);
    assertThat(chosen.totals()).isEqualTo(totals);
    if (s.periodic()) {
      model.periodic(rows);
    }
  }

  private static ReferenceModel.Row row(RawStack r) {
    return new ReferenceModel.Row(
        r.id(),
        r.allocCount(),
        r.freeCount(),
        r.allocBytes(),
        r.freeBytes(),
        r.outstandingCount(),
        r.outstandingBytes(),
        r.growthCount(),
        r.growthBytes());
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<Long> minSize = Arbitraries.of(0L, 16L, 100L);
    Arbitrary<Long> maxSize = Arbitraries.of(Long.MAX_VALUE, 2048L, 1L << 35);
    Arbitrary<Boolean> batched = Arbitraries.of(false, true);
    Arbitrary<Integer> addressSpace = Arbitraries.of(4, 16, 64, 500, 3000);
    Arbitrary<Boolean> manyHeaps = Arbitraries.of(false, true);
    return Combinators.combine(minSize, maxSize, batched, addressSpace, manyHeaps)
        .flatAs(
            (min, max, batch, space, heaps) ->
                ops(space, heaps)
                    .list()
                    .ofMinSize(1)
                    .ofMaxSize(3000)
                    .withSizeDistribution(RandomDistribution.uniform())
                    .map(ops -> new Scenario(min, max, batch, ops)));
  }

  private static Arbitrary<Op> ops(int space, boolean manyHeaps) {
    Arbitrary<Long> heap =
        manyHeaps
            ? Arbitraries.of(0L, 0x10000L, 0x20000L, 0x7FF6_0000_0000L)
            : Arbitraries.just(0L);
    Arbitrary<Long> address =
        Arbitraries.frequencyOf(
            Tuple.of(20, Arbitraries.integers().between(1, space).map(i -> i * 16L)),
            Tuple.of(1, Arbitraries.just(0L)),
            Tuple.of(1, Arbitraries.longs().between(1, Long.MAX_VALUE)));
    Arbitrary<Long> size =
        Arbitraries.frequencyOf(
            Tuple.of(20, Arbitraries.longs().between(0, 4096)),
            Tuple.of(3, Arbitraries.of(15L, 16L, 99L, 100L, 2048L, 2049L)),
            Tuple.of(2, Arbitraries.longs().between(Integer.MAX_VALUE, 1L << 40)));
    Arbitrary<Integer> stack = Arbitraries.integers().between(0, STACKS - 1);
    Arbitrary<Op> alloc = Combinators.combine(heap, address, size, stack).as(Alloc::new);
    Arbitrary<Op> free = Combinators.combine(heap, address).as(Free::new);
    Arbitrary<Op> realloc =
        Combinators.combine(
                heap,
                address,
                Arbitraries.frequencyOf(
                    Tuple.of(4, address),
                    Tuple.of(1, Arbitraries.just(-1L)),
                    Tuple.of(1, Arbitraries.just(0L))),
                size,
                stack)
            .as((h, old, fresh, sz, st) -> new Realloc(h, old, fresh == -1L ? old : fresh, sz, st));
    Arbitrary<Op> destroy = heap.map(Destroy::new);
    Arbitrary<Op> lost = Arbitraries.longs().between(1, 50).map(Lost::new);
    Arbitrary<Op> snap =
        Combinators.combine(
                Arbitraries.of(SortOrder.class),
                Arbitraries.integers().between(0, 6),
                Arbitraries.longs().between(0, 3),
                Arbitraries.frequencyOf(
                    Tuple.of(3, Arbitraries.just(0)),
                    Tuple.of(1, Arbitraries.integers().between(1, 200))),
                Arbitraries.of(false, true))
            .as(Snap::new);
    return Arbitraries.frequencyOf(
        Tuple.of(50, alloc),
        Tuple.of(30, free),
        Tuple.of(12, realloc),
        Tuple.of(manyHeaps ? 1 : 0, destroy),
        Tuple.of(1, lost),
        Tuple.of(2, snap));
  }
}
