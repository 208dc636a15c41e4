package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.internal.engine.RawStack;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Launch mode: the command is traced from its first instruction. */
class LaunchModeTest {
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

  private static SourceRequest launch(String... command) {
    return new SourceRequest(new TargetSpec.Launch(List.of(command)), false, Map.of());
  }

  @Test
  void aLaunchedCommandIsTracedFromItsFirstAllocationAndItsExitCodeReported() throws Exception {
    EngineProbe engine = new EngineProbe(FixtureGroundTruth.MARKER_SIZE);
    try (HeapEventSource source =
        new UprobesSourceProvider()
            .open(launch(fixture.toString(), "small", "1000", "late", "2", "auto", "1"))) {
      assertThat(source.target().name()).isEqualTo("heap_fixture");
      source.start(engine, engine);
      assertThat(engine.awaitEnd(120)).as("target exit seen").isTrue();
      assertThat(engine.failure).isNull();
      assertThat(engine.exitCode).isEqualTo(7);
      System.out.println(source.counters());
      FixtureSymbols symbols = new FixtureSymbols(fixture, engine.mappings);
      Map<String, String> outstanding = new TreeMap<>();
      Map<String, long[]> byFunction = new TreeMap<>();
      for (RawStack s : engine.snapshotAll().stacks()) {
        String fn = s.frames().length == 0 ? "(empty)" : symbols.callerAt(s.frames()[0]);
        long[] c = byFunction.computeIfAbsent(fn, k -> new long[2]);
        c[0] += s.outstandingCount();
        c[1] += s.outstandingBytes();
      }
      byFunction.forEach((k, v) -> outstanding.put(k, v[0] + " blocks, " + v[1] + " bytes"));
      // main's calloc of the block table happens after exec, before any "go": seen only because
      // the probes were on from the first instruction
      assertThat(outstanding).containsEntry("main", "1 blocks, 8000 bytes");
      outstanding.remove("main");
      outstanding.remove("?"); // libc/ld.so internals (stdio buffer, thread TLS)
      assertThat(outstanding).isEqualTo(UprobesFixtureTest.expected(1000, 2));
      // the 50 early blocks were allocated after exec too: their frees all match
      assertThat(outstanding).doesNotContainKey("alloc_early_blocks");
      assertThat(source.counters()).containsEntry("lostEvents", 0L);
    }
  }

  @Test
  void aCommandThatDoesNotExistIsALaunchFailureInOneSentence() {
    assertThatThrownBy(() -> new UprobesSourceProvider().open(launch("no-such-command-xyz")))
        .isInstanceOfSatisfying(
            LeakDetectorException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(LeakDetectorException.Kind.LAUNCH_FAILED);
              assertThat(e.getMessage()).isEqualTo("Command not found: no-such-command-xyz.");
            });
  }
}
