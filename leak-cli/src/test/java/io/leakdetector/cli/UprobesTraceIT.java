package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.leakdetector.cli.Dist.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: bin/leakdetector traces the bundled native demo through the uprobes source. Needs
 * Linux, root (or CAP_PERFMON + CAP_SYS_ADMIN) and the demo built with gcc; outside CI a machine
 * without them skips, with CI=true it fails.
 */
class UprobesTraceIT {
  private static Path demo;

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void prerequisites(@TempDir Path listDir) throws Exception {
    demo = Dist.home().resolve("demo/demo");
    Dist.requirePrerequisite(Files.isExecutable(demo), "the bundled demo program (gcc)");
    Run list = Dist.run(listDir, Map.of(), "--list");
    Dist.requirePrerequisite(
        Pattern.compile("\n  uprobes +available(:[^\n]*)?\n").matcher(list.out()).find(),
        "the uprobes source (Linux with perf_event_open permitted): " + list.out());
  }

  @AfterEach
  void killWhatWasStarted() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void aTargetThatExitsGivesTheExactFinalReport() throws Exception {
    Process target = startDemo("--rounds", "3", "--delay-ms", "0", "--wait-for-signal");
    Process tool = started(Dist.start(dir, Map.of(), "-p", Long.toString(target.pid()), "-T", "0"));
    await(dir.resolve("err.txt"), "tracing pid " + target.pid() + " (demo) with uprobes");
    signal("USR1", target.pid());
    assertThat(tool.waitFor(60, TimeUnit.SECONDS)).as("ended with the target").isTrue();
    Run r = Dist.finished(dir, tool);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Outstanding: 31320 bytes in 180 allocations, 4 stacks; lost events: 0")
        .contains("final report: target exited")
        .containsPattern(block(90, 0, 15120, 0, "leak_fixed_blocks"))
        .containsPattern(block(60, 0, 12000, 0, "leak_grown_blocks"))
        .containsPattern(block(90, 72, 9000, 7200, "leak_partly_freed_blocks"))
        .containsPattern(block(12, 0, 2400, 0, "leak_shrunk_blocks"));
  }

  @Test
  void ctrlCGivesTheFinalReportAndLeavesTheTargetRunning() throws Exception {
    Process target = startDemo("--delay-ms", "100");
    Process tool =
        started(Dist.start(dir, Map.of(), "-p", Long.toString(target.pid()), "-i", "0.5"));
    await(dir.resolve("out.txt"), "demo!leak_fixed_blocks");
    signal("INT", tool.pid());
    assertThat(tool.waitFor(60, TimeUnit.SECONDS)).as("ended after Ctrl+C").isTrue();
    Run r = Dist.finished(dir, tool);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).containsOnlyOnce("final report: stopped");
    String last = r.out().substring(r.out().lastIndexOf("Outstanding: "));
    Matcher fixed =
        Pattern.compile(
                "AllocateCount: (\\d+)\nFreeCount: 0\nAllocateSize: (\\d+)\nFreeSize: 0\n"
                    + INLINED_WRAPPER
                    + "demo!leak_fixed_blocks\\+")
            .matcher(last);
    assertThat(fixed.find()).as(last).isTrue();
    assertThat(Long.parseLong(fixed.group(2))).isEqualTo(168 * Long.parseLong(fixed.group(1)));
    assertThat(target.isAlive()).as("the demo runs on after the tool has gone").isTrue();
  }

  /** The demo's allocation wrapper, inlined into the pattern function: an optional first line. */
  private static final String INLINED_WRAPPER = "(demo!demo_\\w+ \\[inlined\\][^\n]*\n)?";

  /** The start of a stack's block in the text report, as a regular expression. */
  private static String block(long allocs, long frees, long bytes, long freed, String function) {
    return "AllocateCount: "
        + allocs
        + "\nFreeCount: "
        + frees
        + "\nAllocateSize: "
        + bytes
        + "\nFreeSize: "
        + freed
        + "\n"
        + INLINED_WRAPPER
        + "demo!"
        + function
        + "\\+0x";
  }

  private Process startDemo(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(demo.toString());
    command.addAll(List.of(args));
    Path out = dir.resolve("demo.txt");
    Process p = started(new ProcessBuilder(command).redirectOutput(out.toFile()).start());
    await(out, "demo pid " + p.pid());
    return p;
  }

  private Process started(Process p) {
    started.add(p);
    return p;
  }

  private static void signal(String name, long pid) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor())
        .isZero();
  }

  private static void await(Path file, String text) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    fail("no '" + text + "' within 30 s in " + file);
  }
}
