package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import io.leakdetector.uprobes.testing.Prerequisites;
import io.leakdetector.uprobes.testing.RecordingSink;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture against a plain reference-model sink (HashMap), independent of the engine. */
class UprobesSourceSmokeTest {
  @org.junit.jupiter.api.BeforeAll
  static void tracingPermitted() {
    Prerequisites.requireUprobes();
  }

  @TempDir Path dir;

  @Test
  void smallFixtureIsExactWithARecordingSink() throws Exception {
    Path fixture =
        CCompiler.compile(
            CCompiler.testSource("heap_fixture.c"),
            dir.resolve("heap_fixture"),
            "-O1",
            "-fno-omit-frame-pointer",
            "-g");
    try (FixtureProcess p = FixtureProcess.start(fixture, "small", "1000")) {
      p.await("ready", 30);
      RecordingSink sink = new RecordingSink(FixtureGroundTruth.MARKER_SIZE);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(new SourceRequest(new TargetSpec.Pid(p.pid()), false, Map.of()))) {
        source.start(sink, sink);
        p.send("go");
        p.await("done", 120);
        assertThat(sink.awaitMarker(60)).as("marker seen").isTrue();
        assertThat(source.counters())
            .containsEntry("lostEvents", 0L)
            // BPF design: *memptr is read in the kernel at the return, wherever it lies
            .containsEntry("posixMemalignExact", 7L)
            .containsEntry("posixMemalignConfirmed", 0L)
            .containsEntry("posixMemalignInexact", 0L);
        FixtureSymbols symbols = new FixtureSymbols(fixture, p.pid());
        Map<String, long[]> outstanding = new TreeMap<>();
        for (RecordingSink.Block b : sink.live().values()) {
          long[] frames = sink.stack(b.stack());
          String fn = frames.length == 0 ? "(none)" : symbols.callerAt(frames[0]);
          long[] c = outstanding.computeIfAbsent(fn, k -> new long[2]);
          c[0]++;
          c[1] += b.size();
        }
        outstanding.forEach((k, v) -> System.out.println(k + " " + v[0] + " " + v[1]));
        System.out.println(
            "unmatched "
                + sink.unmatchedFrees
                + " implied "
                + sink.impliedFrees
                + " lost "
                + sink.lost);
        Map<String, long[]> expected = FixtureGroundTruth.expected(1000);
        Map<String, String> got = new TreeMap<>();
        outstanding.forEach((k, v) -> got.put(k, v[0] + "/" + v[1]));
        Map<String, String> want = new TreeMap<>();
        expected.forEach((k, v) -> want.put(k, v[0] + "/" + v[1]));
        assertThat(got).isEqualTo(want);
      }
    }
  }
}
