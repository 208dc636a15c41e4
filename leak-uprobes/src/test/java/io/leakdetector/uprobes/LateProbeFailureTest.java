package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.Availability;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.ChildJvm;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A libc loaded after attach whose probe events cannot be opened (the tracer has run out of file
 * descriptors) is not counted as probed late: the failure is counted ({@code lateProbeFailures})
 * and its reason kept. The tracer runs in a child JVM (see {@link LateProbeFailureChild}) that uses
 * up its own descriptors after attach, leaving a few: enough to read the new libc's ELF headers,
 * not for its 18 × CPUs probe events.
 */
class LateProbeFailureTest {
  private static final Pattern COUNTERS =
      Pattern.compile("counters \\{(.*)} inexact=\\[(.*)] error=(.*)");

  @ParameterizedTest(name = "uprobes.mode={0}")
  @ValueSource(strings = {"bpf", "per-thread"})
  void aLateLibcWhoseEventsCannotBeOpenedIsCountedAsAFailureNotAsProbed(
      String mode, @TempDir Path dir) throws Exception {
    Availability availability = new UprobesSourceProvider().availability();
    Prerequisites.require(availability.available(), "uprobe tracing: " + availability.reason());
    Path fixture =
        CCompiler.compile(
            CCompiler.testSource("second_libc.c"),
            dir.resolve("second_libc"),
            "-O1",
            "-fno-omit-frame-pointer",
            "-g");
    long self = ProcessHandle.current().pid();
    ProcMapsEntry systemLibc =
        ProcMaps.read(self).stream()
            .filter(e -> e.isExecutable() && LibcLocator.isLibcName(e.path()))
            .findFirst()
            .orElseThrow();
    Path copyDir = Files.createDirectory(dir.resolve("copy"));
    String copy =
        Files.copy(Path.of(systemLibc.path()), copyDir.resolve("libc.so.6"))
            .toRealPath()
            .toString();
    try (FixtureProcess target = FixtureProcess.start(fixture, copy)) {
      target.await("ready", 30);
      // a bounded descriptor limit, so that using it up is quick: room for the JVM and the
      // attach (19 events per CPU for the fixture's one thread)
      int limit = 1024 + 40 * Runtime.getRuntime().availableProcessors();
      List<String> command =
          new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -n " + limit + " && exec \"$@\"", "sh"));
      command.addAll(
          ChildJvm.command(
              ChildJvm.classPath(dir),
              List.of(),
              LateProbeFailureChild.class,
              Long.toString(target.pid()),
              // descriptors left: per-thread needs 36 events for the late libc; the BPF design's
              // uprobe-multi links need 4, so 2 are left there (reading the libc takes one)
              mode.equals("bpf") ? "2" : "4",
              mode));
      try (FixtureProcess tracer = FixtureProcess.start(command)) {
        tracer.await("tracing", 60);
        tracer.send("exhaust");
        tracer.await("exhausted", 60);
        target.send("go");
        target.await("loaded", 60);
        tracer.send("report");
        String report = tracer.await("counters", 60);
        System.out.println(report);
        Matcher m = COUNTERS.matcher(report);
        assertThat(m.matches()).as(report).isTrue();
        String counters = m.group(1);
        assertThat(counters).contains("libcsProbedLate=0,");
        assertThat(counters).contains("lateProbeFailures=1,");
        // the report is inexact and names why
        assertThat(m.group(2)).contains("lateProbeFailures");
        assertThat(m.group(3))
            .isEqualTo(
                mode.equals("bpf")
                    ? "cannot probe " + copy + ": Too many open files"
                    : "cannot probe "
                        + copy
                        + " in thread "
                        + target.pid()
                        + ": Too many open files");
        tracer.send("exit");
      }
    }
  }
}
