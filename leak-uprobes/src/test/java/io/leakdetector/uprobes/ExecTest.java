package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A traced process that execs another program: the old program's blocks went with its address
 * space, so they must not stay outstanding. The BPF design probes the dynamic loader's entry, where
 * every new program starts; its record in the ring drops the old blocks. The reference is the same
 * fixture launched directly: what is outstanding after the exec equals what it leaves on its own,
 * libc's blocks included.
 */
class ExecTest {
  private static final long MARKER_SIZE = 777_777;

  @TempDir static Path dir;
  static Path fixture;

  @BeforeAll
  static void compile() throws Exception {
    fixture = CCompiler.traceableFixture(dir, "threads");
  }

  private record Launched(Map<String, String> outstanding, Map<String, Long> counters) {}

  private static Launched launch(String... command) throws Exception {
    EngineProbe engine = new EngineProbe(MARKER_SIZE);
    try (HeapEventSource source =
        new UprobesSourceProvider()
            .open(
                new SourceRequest(
                    new TargetSpec.Launch(List.of(command)),
                    false,
                    Map.of("uprobes.mode", "bpf")))) {
      source.start(engine, engine);
      assertThat(engine.awaitEnd(120)).as("target exit seen").isTrue();
      assertThat(engine.exitCode).isZero();
      Map<String, String> outstanding =
          new FixtureSymbols(fixture, engine.mappings).outstandingByFunction(engine.snapshotAll());
      return new Launched(outstanding, source.counters());
    }
  }

  @Test
  void aScriptThatExecsTheProgramLeavesOnlyTheProgramsBlocks() throws Exception {
    Launched direct = launch(fixture.toString(), "now", "2", "0");
    assertThat(direct.outstanding())
        .containsEntry("leak_in_short_thread", "6 blocks, 288 bytes")
        .containsEntry("marker_done", "1 blocks, " + MARKER_SIZE + " bytes");
    assertThat(direct.counters()).containsEntry("execs", 1L);
    // bash allocates hundreds of blocks (variables, the loop's words) before it execs the fixture
    Path script = dir.resolve("run.sh");
    Files.writeString(
        script,
        "#!/bin/bash\nx=\nfor i in $(seq 1 300); do x=\"$x $i\"; declare v$i=$i; done\nexec "
            + fixture
            + " now 2 0\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Launched viaBash = launch(script.toString());
    assertThat(viaBash.counters()).containsEntry("execs", 2L);
    assertThat(viaBash.outstanding()).isEqualTo(direct.outstanding());
  }

  @Test
  void anAttachedProcessThatExecsDropsItsOldBlocks() throws Exception {
    Launched direct = launch(fixture.toString(), "now", "2", "0");
    try (FixtureProcess p = FixtureProcess.start(fixture, "wait-exec", "2", "0")) {
      p.await("ready", 30);
      EngineProbe engine = new EngineProbe(MARKER_SIZE);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(
                  new SourceRequest(
                      new TargetSpec.Pid(p.pid()), false, Map.of("uprobes.mode", "bpf")))) {
        source.start(engine, engine);
        p.send("go");
        assertThat(engine.awaitEnd(120)).as("target exit seen").isTrue();
        assertThat(source.counters()).containsEntry("execProbed", 1L).containsEntry("execs", 1L);
        Map<String, String> outstanding =
            new FixtureSymbols(fixture, engine.mappings)
                .outstandingByFunction(engine.snapshotAll());
        assertThat(outstanding).doesNotContainKey("leak_before_exec");
        assertThat(outstanding).isEqualTo(direct.outstanding());
      }
    }
  }
}
