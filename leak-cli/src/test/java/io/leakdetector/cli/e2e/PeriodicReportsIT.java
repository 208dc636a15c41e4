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
 * {@code leakdetector -p PID -i 1 -c 3} against the running demo prints three text reports with the
 * exact per-pattern counts, exits 0, and leaves the demo running unharmed.
 */
class PeriodicReportsIT {
  @TempDir Path dir;

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
  }

  @Test
  void threeReportsOfTheRunningDemoHaveItsExactCounts() throws Exception {
    // The demo waits for SIGUSR1, runs 2 rounds at once, then holds: every report sees 2 rounds.
    try (DemoProcess demo =
            DemoProcess.start(
                dir, "--rounds", "2", "--delay-ms", "0", "--wait-for-signal", "--hold");
        Tool tool =
            Tool.start(dir, Map.of(), "-p", Long.toString(demo.pid()), "-i", "1", "-c", "3")) {
      assertThat(tool.awaitTracing("uprobes")).isEqualTo(demo.pid());
      demo.signal("USR1");
      demo.awaitOutput("demo holding");

      Tool.Finished run = tool.awaitExit(60);
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.err())
          .contains(
              "leakdetector: tracing pid "
                  + demo.pid()
                  + " (demo) with uprobes; a report every 1 s, 3 reports in all.");
      List<Report> reports = TextReports.parse(run.out());
      assertThat(reports).as(run.out()).hasSize(3);
      for (int k = 0; k < 3; k++) {
        Report report = reports.get(k);
        String suffix = k == 2 ? "; final report: report count reached" : "";
        assertThat(report.totalsLine()).isEqualTo(DemoRounds.totalsLine(2, suffix));
        DemoRounds.assertExact(report, 2);
      }
      // The same stacks in every report, with the same frames.
      assertThat(reports.get(1).stacks()).isEqualTo(reports.get(0).stacks());
      assertThat(reports.get(2).stacks()).isEqualTo(reports.get(0).stacks());

      // The demo runs on unharmed: no probe is left in it (a stray breakpoint would kill it with
      // SIGTRAP), it runs another round, and ends normally when its input ends.
      assertThat(demo.isAlive()).as("the demo runs on after the tool has gone").isTrue();
      demo.runRound(3);
      demo.endInput();
    }
  }
}
