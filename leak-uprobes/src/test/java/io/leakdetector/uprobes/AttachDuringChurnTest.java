package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attaching to threads that allocate and free all the time must not invent leaks: if an allocator's
 * entry probe were enabled before the probe of the function that frees its block (in the same
 * thread, or in the thread that receives the block), a block allocated and freed in between would
 * stay outstanding forever. The fixture ({@code handoff.c}) ends with no block of its churning
 * functions live, so every one the source reports outstanding is invented.
 */
class AttachDuringChurnTest {
  private static final long MARKER_SIZE = 777_777;

  @TempDir static Path dir;
  static Path fixture;

  @BeforeAll
  static void compile() throws Exception {
    fixture = CCompiler.traceableFixture(dir, "handoff");
  }

  @Test
  void blocksInFlightAtAttachNeverBecomeLeaks() throws Exception {
    try (FixtureProcess p = FixtureProcess.start(fixture)) {
      p.await("ready", 30);
      FixtureSymbols symbols = new FixtureSymbols(fixture, p.pid());
      EngineProbe engine = new EngineProbe(MARKER_SIZE);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(new SourceRequest(new TargetSpec.Pid(p.pid()), false, Map.of()))) {
        source.start(engine, engine);
        Thread.sleep(700);
        p.send("stop");
        p.await("stopped", 60);
        source.catchUp();
        assertThat(engine.awaitMarker(60)).as("marker allocation seen").isTrue();
        EngineSnapshot snapshot = engine.snapshotEveryStack();
        Map<String, long[]> byFunction = symbols.byFunction(snapshot);
        Map<String, Long> counters = source.counters();
        System.out.printf(
            "allocs/frees/outstanding: produce_block %s, churn_block %s; unmatched frees %d; %s%n",
            java.util.Arrays.toString(byFunction.get("produce_block")),
            java.util.Arrays.toString(byFunction.get("churn_block")),
            snapshot.counts().unmatchedFrees(),
            counters);
        assertThat(snapshot.counts().lostEvents()).as("lost events").isZero();
        for (String fn : new String[] {"produce_block", "churn_block"}) {
          long[] c = byFunction.get(fn);
          assertThat(c).as(fn + " traced").isNotNull();
          assertThat(c[FixtureSymbols.ALLOCS]).as(fn + " allocations seen").isGreaterThan(1000);
          assertThat(c[FixtureSymbols.OUTSTANDING])
              .as(fn + " blocks reported outstanding (all were freed)")
              .isZero();
        }
      }
    }
  }
}
