package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.e2e.TextReports.Report;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target exits mid-session: the final report, made after the process has gone, still names the
 * demo's functions (the module map outlives the process) and has its exact counts.
 */
class TargetExitIT {
  private static final String TARGET_EXITED = "; final report: target exited";

  @TempDir Path dir;

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
  }

  @Test
  void launchModeGivesTheExactFinalReportWhenTheDemoExits() throws Exception {
    String demo = Distribution.demo().toString();
    try (Tool tool =
        Tool.start(dir, Map.of(), "-T", "0", "--", demo, "--rounds", "2", "--delay-ms", "0")) {
      long pid = tool.awaitTracing("uprobes");
      Tool.Finished run = tool.awaitExit(60);
      assertThat(run.exitCode()).as(run.err()).isZero();
      // The launched demo shares standard output: its lines come first, then the final report.
      assertThat(run.out())
          .contains("demo pid " + pid + ": ")
          .contains(DemoRounds.roundLine(2))
          .contains("demo done\n");
      List<Report> reports = TextReports.parse(run.out());
      assertThat(reports).as(run.out()).hasSize(1);
      assertThat(reports.get(0).totalsLine()).isEqualTo(DemoRounds.totalsLine(2, TARGET_EXITED));
      DemoRounds.assertExact(reports.get(0), 2);
      assertThat(run.err()).doesNotContain("exited with");
    }
  }

  @Test
  void aTracedPidThatExitsEndsTheSessionWithAnExactFinalReport() throws Exception {
    try (DemoProcess demo =
            DemoProcess.start(
                dir, "--rounds", "2", "--delay-ms", "0", "--wait-for-signal", "--hold");
        Tool tool =
            Tool.start(dir, Map.of(), "-p", Long.toString(demo.pid()), "-i", "0.5", "-c", "100")) {
      tool.awaitTracing("uprobes");
      demo.signal("USR1");
      // Periodic reports come; once one shows both rounds, the demo is told to end.
      tool.awaitOut(
          out -> out.contains(DemoRounds.totalsLine(2, "") + "\n"), "a report of both rounds");
      demo.endInput();

      Tool.Finished run = tool.awaitExit(60);
      assertThat(run.exitCode()).as(run.err()).isZero();
      List<Report> reports = TextReports.parse(run.out());
      assertThat(reports.size()).as("periodic reports, then the final one").isBetween(2, 99);
      for (Report periodic : reports.subList(0, reports.size() - 1)) {
        assertThat(periodic.totals().isFinal()).isFalse();
      }
      Report last = reports.get(reports.size() - 1);
      assertThat(last.totalsLine()).isEqualTo(DemoRounds.totalsLine(2, TARGET_EXITED));
      DemoRounds.assertExact(last, 2);
    }
  }
}
