package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.CliHarness.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole runs of the command in this JVM against the test-only {@code scripted} source (see
 * io.leakdetector.clitest.ScriptedSourceProvider), through the real session, engine and text
 * exporter: how a run ends, what it prints and which exit code it returns.
 */
class TraceRunTest {
  private static final String SELF = Long.toString(ProcessHandle.current().pid());
  private static final Pattern TRACING = Pattern.compile("tracing pid (\\d+)");

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killWhatWasStarted() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void anInterruptWhileALaunchedCommandIsEndedKillsItAndKeepsTheInterrupt() throws Exception {
    Process stubborn = new ProcessBuilder("sh", "-c", "trap '' TERM; sleep 30").start();
    started.add(stubborn);
    Thread.currentThread().interrupt();
    try {
      TraceRun.terminateIfAlive(stubborn.pid());
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
    }
    assertThat(stubborn.waitFor(10, TimeUnit.SECONDS)).as("killed, not left running").isTrue();
  }

  @Test
  void targetExitGivesAFinalReportAndExitZero() {
    Result r =
        CliHarness.run(
            "-p",
            SELF,
            "--source",
            "scripted",
            "--source-option",
            "scripted.then=exit",
            "--source-option",
            "scripted.rounds=2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(reports(r.out())).isEqualTo(1);
    assertThat(r.out())
        .contains("Outstanding: 700 bytes in 8 allocations, 2 stacks;")
        .contains("final report: target exited")
        .contains("AllocateCount: 6\nFreeCount: 0\nAllocateSize: 600\nFreeSize: 0\n")
        .contains("AllocateCount: 4\nFreeCount: 2\nAllocateSize: 200\nFreeSize: 100\n");
    assertThat(r.err())
        .isEqualTo(
            "leakdetector: tracing pid "
                + SELF
                + " (java) with scripted; a report when tracing ends (Ctrl+C or the process's"
                + " exit).\n");
  }

  @Test
  void countReachedEndsTheRun() {
    Result r = CliHarness.run("-p", SELF, "--source", "scripted", "-i", "0.1", "-c", "3");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(reports(r.out())).isEqualTo(3);
    assertThat(r.out()).containsOnlyOnce("final report: report count reached");
    assertThat(r.err()).contains("a report every 0.1 s, 3 reports in all.");
  }

  @Test
  void topAndMinSamplesLimitTheStacks() {
    Result r =
        CliHarness.run(
            "-p", SELF, "--source", "scripted", "--source-option", "scripted.then=exit", "-T", "1");
    assertThat(r.out()).containsOnlyOnce("AllocateCount:").contains("AllocateCount: 3\n");
    Result bytes =
        CliHarness.run(
            "-p",
            SELF,
            "--source",
            "scripted",
            "--source-option",
            "scripted.then=exit",
            "-m",
            "2",
            "--sort",
            "bytes");
    // Stack B has 1 outstanding allocation: below -m 2.
    assertThat(bytes.out()).containsOnlyOnce("AllocateCount:").contains("AllocateCount: 3\n");
  }

  @Test
  void aStopRequestGivesTheFinalReportAndExitZero() {
    StopRequests stops = StopRequests.manual();
    Thread stopper =
        new Thread(
            () -> {
              sleep(500);
              stops.request("interrupted");
            });
    stopper.start();
    Result r = CliHarness.run(Map.of(), () -> stops, "-p", SELF, "--source", "scripted");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(reports(r.out())).isEqualTo(1);
    assertThat(r.out()).contains("final report: stopped", "AllocateCount: 3\n");
  }

  @Test
  void aSourceFailureStillPrintsTheReportThenExitsThree() {
    Result r =
        CliHarness.run("-p", SELF, "--source", "scripted", "--source-option", "scripted.then=fail");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(3);
    assertThat(r.out()).contains("final report: tracing failed", "AllocateCount: 3\n");
    assertThat(r.err()).endsWith("\nleakdetector: The scripted source failed on purpose.\n");
  }

  @Test
  void anInternalFailureIsOneLineAndExitOneAndDebugAddsTheStackTrace() {
    // The scripted source does not check its options: a bad number escapes as an unexpected
    // NumberFormatException, which is what an internal failure looks like to the command.
    String[] args = {"-p", SELF, "--source", "scripted", "--source-option", "scripted.rounds=x"};
    Result r = CliHarness.run(args);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "leakdetector: internal error: java.lang.NumberFormatException: For input string:"
                + " \"x\" (--debug shows where).\n");
    Result debug = CliHarness.run(Map.of("LEAKDETECTOR_DEBUG", "1"), StopRequests::manual, args);
    assertThat(debug.exitCode()).isEqualTo(1);
    assertThat(debug.err())
        .startsWith("leakdetector: internal error: java.lang.NumberFormatException")
        .contains("\tat io.leakdetector.clitest.ScriptedSourceProvider.open");
  }

  @Test
  void outputFileGetsTheReports(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("report.txt");
    Files.writeString(file, "old content that is replaced\n");
    Result r =
        CliHarness.run(
            "-p",
            SELF,
            "--source",
            "scripted",
            "--source-option",
            "scripted.then=exit",
            "--output",
            file.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).isEmpty();
    String written = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(written).doesNotContain("old content").contains("final report: target exited");
  }

  @Test
  void clearScreenBeforeEachReport() {
    Result r =
        CliHarness.run(
            "-p", SELF, "--source", "scripted", "--source-option", "scripted.then=exit", "-C");
    assertThat(r.out()).startsWith("\033[H\033[2J");
  }

  @Test
  void collapsedFormat() {
    Result r =
        CliHarness.run(
            "-p",
            SELF,
            "--source",
            "scripted",
            "--source-option",
            "scripted.then=exit",
            "--format",
            "collapsed");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).doesNotContain("AllocateCount");
    assertThat(r.out().lines()).hasSize(2).allSatisfy(line -> assertThat(line).matches(".+ \\d+"));
    assertThat(r.out().lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)))
        .containsExactlyInAnyOrder("300", "50");
  }

  @Test
  void jsonFormat() {
    Result r =
        CliHarness.run(
            "-p",
            SELF,
            "--source",
            "scripted",
            "--source-option",
            "scripted.then=exit",
            "--format",
            "json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .startsWith("{")
                    .endsWith("}")
                    .contains("\"outstandingBytes\":350", "\"outstandingCount\":4"));
  }

  @Test
  void processNameWithOneMatch(@TempDir Path dir) throws Exception {
    Path program = uniqueSleep(dir);
    Process p = start(program.toString(), "30");
    Result r =
        CliHarness.run(
            "-P",
            program.getFileName().toString(),
            "--source",
            "scripted",
            "--source-option",
            "scripted.then=exit");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).contains("tracing pid " + p.pid() + " (" + program.getFileName() + ")");
  }

  @Test
  void processNameWithSeveralMatchesListsThem(@TempDir Path dir) throws Exception {
    Path program = uniqueSleep(dir);
    Process a = start(program.toString(), "30");
    Process b = start(program.toString(), "30");
    String name = program.getFileName().toString();
    Result r = CliHarness.run("-P", name, "--source", "scripted");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().toList())
        .hasSize(3)
        .first()
        .isEqualTo("leakdetector: 2 processes are named '" + name + "'; choose one with -p PID:");
    assertThat(r.err())
        .containsPattern("\n +" + a.pid() + "  " + Pattern.quote(name) + "\n")
        .containsPattern("\n +" + b.pid() + "  " + Pattern.quote(name) + "\n");
  }

  @Test
  void launchedCommandThatExits() {
    Result r = CliHarness.run("--source", "scripted", "--", "/bin/sh", "-c", "sleep 0.3; exit 4");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("final report: target exited");
    assertThat(r.err()).endsWith("leakdetector: the traced command exited with status 4.\n");
  }

  @Test
  void aLaunchThatFails() {
    Result r = CliHarness.run("--source", "scripted", "--", "/nonexistent/program");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("leakdetector: Cannot start /nonexistent/program.\n");
  }

  @Test
  void aLaunchedCommandStillRunningWhenTracingEndsIsTerminated() {
    Result r = CliHarness.run("--source", "scripted", "-i", "0.2", "-c", "1", "--", "sleep", "60");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Matcher m = TRACING.matcher(r.err());
    assertThat(m.find()).isTrue();
    long pid = Long.parseLong(m.group(1));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  private static int reports(String out) {
    return (int) out.lines().filter(l -> l.startsWith("Outstanding: ")).count();
  }

  private Process start(String... command) throws IOException {
    Process p = new ProcessBuilder(command).start();
    started.add(p);
    return p;
  }

  /** A copy of sleep under a name no other process has. */
  private static Path uniqueSleep(Path dir) throws IOException {
    Path copy =
        dir.resolve("ldtest-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000);
    Files.copy(Path.of("/bin/sleep"), copy, StandardCopyOption.COPY_ATTRIBUTES);
    return copy;
  }

  private static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
