package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.EventCounts;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Threads created after tracing starts (fixture {@code threads.c}): short-lived threads that
 * allocate and end within a millisecond, a consumer thread created after the blocks it frees were
 * allocated by another thread, and a storm of 1 000 threads × 10 allocations. With the BPF design
 * every one of them is traced from its first instruction, so the outstanding blocks per function
 * are exact, in attach mode and in launch mode, with nothing lost at the default ring size.
 */
class NewThreadsTest {
  private static final long MARKER_SIZE = 777_777;
  private static final String SHORT = "20";
  private static final String STORM = "1000";

  @TempDir static Path dir;
  static Path fixture;

  @BeforeAll
  static void compile() throws Exception {
    fixture = CCompiler.traceableFixture(dir, "threads");
  }

  private static Map<String, String> expected() {
    Map<String, String> want = new TreeMap<>();
    want.put("leak_in_short_thread", "60 blocks, 2880 bytes");
    want.put("leak_in_consumer", "2 blocks, 160 bytes");
    want.put("leak_in_storm", "10000 blocks, 320000 bytes");
    want.put("marker_done", "1 blocks, " + MARKER_SIZE + " bytes");
    return want;
  }

  private static void assertExact(
      EngineProbe engine, FixtureSymbols symbols, HeapEventSource source) {
    EngineSnapshot snapshot = engine.snapshotAll();
    Map<String, String> outstanding = new TreeMap<>(symbols.outstandingByFunction(snapshot));
    outstanding.remove("?"); // libc's own blocks for the threads it created
    assertThat(outstanding).isEqualTo(expected());
    Map<String, long[]> byFunction = symbols.byFunction(engine.snapshotEveryStack());
    // every handed-off block was seen allocated by one thread and freed by the consumer
    assertThat(byFunction.get("handoff_alloc")).containsExactly(100, 100, 0, 0);
    assertThat(byFunction.get("churn")[FixtureSymbols.ALLOCS]).isEqualTo(20 * 5);
    assertThat(snapshot.counts().lostEvents()).isZero();
    Map<String, Long> counters = source.counters();
    assertThat(counters).containsEntry("lostRecords", 0L).containsEntry("unpairedReturns", 0L);
    EventCounts counts = snapshot.counts().withSourceCauses(source.inexactWhenNonZero(), counters);
    assertThat(counts.exact()).as(counts.toString()).isTrue();
  }

  /**
   * Attach mode, with the probes placed both ways: uprobe-multi links (the default on Linux 6.6+)
   * and one perf event per probe (what older kernels get).
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "uprobes.bpf-attach={0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"links", "events"})
  void threadsCreatedAfterAttachAreExact(String attach) throws Exception {
    try (FixtureProcess p = FixtureProcess.start(fixture, "wait", SHORT, STORM)) {
      p.await("ready", 30);
      FixtureSymbols symbols = new FixtureSymbols(fixture, p.pid());
      EngineProbe engine = new EngineProbe(MARKER_SIZE);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(
                  new SourceRequest(
                      new TargetSpec.Pid(p.pid()),
                      false,
                      Map.of("uprobes.mode", "bpf", "uprobes.bpf-attach", attach)))) {
        assertThat(source.design()).isEmpty();
        source.start(engine, engine);
        p.send("go");
        p.await("done", 120);
        source.catchUp();
        assertThat(engine.awaitMarker(60)).as("marker allocation seen").isTrue();
        System.out.println(source.counters());
        assertExact(engine, symbols, source);
        assertThat(source.counters().get("uprobeMultiLinks") > 0).isEqualTo(attach.equals("links"));
        assertThat(source.counters().get("probeEvents") > 0).isEqualTo(attach.equals("events"));
      }
    }
  }

  @Test
  void threadsOfALaunchedCommandAreExact() throws Exception {
    EngineProbe engine = new EngineProbe(MARKER_SIZE);
    try (HeapEventSource source =
        new UprobesSourceProvider()
            .open(
                new SourceRequest(
                    new TargetSpec.Launch(List.of(fixture.toString(), "now", SHORT, STORM)),
                    false,
                    Map.of("uprobes.mode", "bpf")))) {
      source.start(engine, engine);
      assertThat(engine.awaitEnd(120)).as("target exit seen").isTrue();
      assertThat(engine.exitCode).isZero();
      System.out.println(source.counters());
      assertExact(engine, new FixtureSymbols(fixture, engine.mappings), source);
    }
  }

  @Test
  void theFallbackNamesItselfAndIsInexactOnceAThreadWasAttachedLate() throws Exception {
    try (FixtureProcess p = FixtureProcess.start(fixture, "wait", SHORT, "0")) {
      p.await("ready", 30);
      EngineProbe engine = new EngineProbe(MARKER_SIZE);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(
                  new SourceRequest(
                      new TargetSpec.Pid(p.pid()), false, Map.of("uprobes.mode", "per-thread")))) {
        assertThat(source.design()).isEqualTo("per-thread fallback");
        source.start(engine, engine);
        p.send("go");
        p.await("done", 120);
        source.catchUp();
        assertThat(engine.awaitMarker(60)).as("marker allocation seen").isTrue();
        Map<String, Long> counters = source.counters();
        EventCounts counts =
            engine.snapshotAll().counts().withSourceCauses(source.inexactWhenNonZero(), counters);
        // short-lived threads end before their events are open (missed) or are attached late
        long late = counters.get("threadsAttachedAfterStart");
        long missed = counters.get("threadsMissed");
        System.out.println("per-thread fallback: " + counters);
        assertThat(late + missed).isPositive();
        assertThat(counts.exact()).isFalse();
        if (late > 0) {
          assertThat(counts.sourceCauses()).containsEntry("threadsAttachedAfterStart", late);
        }
        if (missed > 0) {
          assertThat(counts.sourceCauses()).containsEntry("threadsMissed", missed);
        }
      }
    }
  }
}
