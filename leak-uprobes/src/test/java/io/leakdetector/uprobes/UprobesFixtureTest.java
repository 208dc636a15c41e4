package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Traces the C fixture through the real engine and compares what stays outstanding, per fixture
 * function, with the fixture's ground truth.
 */
class UprobesFixtureTest {
  @TempDir static Path dir;
  static Path fixture;

  @BeforeAll
  static void compile() throws Exception {
    Prerequisites.requireUprobes();
    fixture =
        CCompiler.compile(
            CCompiler.testSource("heap_fixture.c"),
            dir.resolve("heap_fixture"),
            "-O1",
            "-fno-omit-frame-pointer",
            "-g");
  }

  record Run(
      Map<String, String> outstanding,
      EngineSnapshot snapshot,
      Map<String, Long> counters,
      List<String> fixtureOutput,
      List<ModuleMapping> mappings,
      boolean deliveredByPoll) {}

  static Run run(Map<String, String> options, String... args) throws Exception {
    return run(false, options, args);
  }

  /**
   * Runs the fixture under the source. When {@code untilExit}, the fixture is told to exit after it
   * is done and the run ends with the target's exit (a lossy run may lose the marker).
   */
  static Run run(boolean untilExit, Map<String, String> options, String... args) throws Exception {
    try (FixtureProcess p = FixtureProcess.start(fixture, args)) {
      p.await("ready", 30);
      FixtureSymbols symbols = new FixtureSymbols(fixture, p.pid());
      EngineProbe engine = new EngineProbe(FixtureGroundTruth.MARKER_SIZE);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(new SourceRequest(new TargetSpec.Pid(p.pid()), false, options))) {
        source.start(engine, engine);
        long t0 = System.nanoTime();
        p.send("go");
        p.await("done", 300);
        long t1 = System.nanoTime();
        // catchUp() returns once every event before it reached the sink (or after a bound): the
        // marker allocation, made before "done" was printed, is then there without waiting.
        source.catchUp();
        boolean deliveredByPoll = engine.awaitMarker(0);
        if (untilExit) {
          p.send("exit");
          assertThat(engine.awaitEnd(120)).as("target exit seen").isTrue();
          assertThat(engine.exitCode).isEqualTo(-1);
        }
        boolean seen = untilExit || engine.awaitMarker(120);
        System.out.printf(
            "fixture ran %.1f s, marker after %.1f s more; %s%n",
            (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9, source.counters());
        assertThat(seen).as("marker allocation seen").isTrue();
        EngineSnapshot snapshot = engine.snapshotAll();
        Map<String, String> outstanding = symbols.outstandingByFunction(snapshot);
        return new Run(
            outstanding, snapshot, source.counters(), p.output(), engine.mappings, deliveredByPoll);
      }
    }
  }

  static Map<String, String> expected(long small, long lateThreads) {
    Map<String, String> want = new TreeMap<>();
    FixtureGroundTruth.expected(small)
        .forEach((k, v) -> want.put(k, v[0] + " blocks, " + v[1] + " bytes"));
    if (lateThreads > 0) {
      want.put(
          "leak_in_late_thread", lateThreads * 5 + " blocks, " + lateThreads * 5 * 222 + " bytes");
    }
    return want;
  }

  @ParameterizedTest(name = "uprobes.mode={0}")
  @ValueSource(strings = {"bpf", "per-thread"})
  void everyLeakIsExactPerFunctionWithOneMillionTwoHundredThousandSmallBlocks(String mode)
      throws Exception {
    Run run =
        run(
            Map.of("uprobes.mode", mode),
            "small",
            System.getProperty("fixture.small", "1200000"),
            "late",
            System.getProperty("fixture.late", "3"));
    System.out.println(run.counters());
    Map<String, String> outstanding = new TreeMap<>(run.outstanding());
    // thread creation after attach leaves ld.so's TLS blocks (allocated inside libc/ld.so)
    String fromLibc = outstanding.remove("?");
    assertThat(outstanding)
        .isEqualTo(
            expected(Long.getLong("fixture.small", 1_200_000), Long.getLong("fixture.late", 3)));
    assertThat(run.fixtureOutput()).contains("moved 1", "in_place 1", "shrink_in_place 1");
    assertThat(run.snapshot().counts().lostEvents()).isZero();
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
    if (mode.equals("bpf")) {
      // the programs read *memptr in the kernel at the return, wherever memptr lies
      assertThat(run.counters())
          .containsEntry("posixMemalignExact", 7L)
          .containsEntry("posixMemalignConfirmed", 0L)
          .containsEntry("posixMemalignInexact", 0L)
          .containsEntry("probeSites", 9L)
          .containsEntry("probesPlaced", 17L);
      assertThat(run.snapshot().counts().exact()).isTrue();
    } else {
      // memptr on the stack is read from the dump; on the heap or in a global, from memory later
      assertThat(run.counters())
          .containsEntry("posixMemalignExact", 4L)
          .containsEntry("posixMemalignConfirmed", 1L)
          .containsEntry("posixMemalignInexact", 2L)
          .containsEntry("threadsAttachedAfterStart", 3L);
    }
    System.out.println("outside the fixture: " + fromLibc);
  }

  @Test
  void blocksAllocatedBeforeAttachAndFreedAfterAreUnmatchedFreesNotLeaks() throws Exception {
    Run run = run(Map.of(), "small", "0");
    assertThat(run.deliveredByPoll()).as("everything before catchUp() reached the sink").isTrue();
    assertThat(run.outstanding()).doesNotContainKeys("alloc_early_blocks", "free_early_blocks");
    assertThat(run.outstanding()).containsAllEntriesOf(expected(0, 0));
    assertThat(run.snapshot().counts().unmatchedFrees()).isGreaterThanOrEqualTo(50);
    assertThat(run.snapshot().counts().lostEvents()).isZero();
  }

  @ParameterizedTest(name = "uprobes.mode={0}")
  @ValueSource(strings = {"bpf", "per-thread"})
  void aTinyRingLosesEventsAndReportsThemAsInexact(String mode) throws Exception {
    Run run =
        run(
            true,
            Map.of("uprobes.ring-kib", "8", "uprobes.mode", mode),
            "small",
            "0",
            "burst",
            "300000");
    System.out.println(run.counters());
    assertThat(run.snapshot().counts().lostEvents()).isPositive();
    assertThat(run.snapshot().counts().exact()).isFalse();
    assertThat(run.counters().get("lostEvents")).isEqualTo(run.snapshot().counts().lostEvents());
    if (mode.equals("bpf")) {
      // records the programs could not reserve, counted in the kernel and handed on as lost
      assertThat(run.counters().get("lostRecords")).isEqualTo(run.counters().get("lostEvents"));
    }
  }
}
