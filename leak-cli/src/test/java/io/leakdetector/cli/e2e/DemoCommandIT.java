package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.e2e.TextReports.Report;
import io.leakdetector.cli.e2e.TextReports.Stack;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, {@code leakdetector demo -c 2 -i 1}, from the built distribution (run
 * in an empty folder outside the source tree, so the distribution's own demo is used): two reports
 * naming the four patterns, exit 0, and the launched demo ended afterwards.
 */
class DemoCommandIT {
  @TempDir Path dir;

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
  }

  @Test
  void theReadmesFirstCommandNamesTheFourPatterns() throws Exception {
    try (Tool tool = Tool.start(dir, Map.of(), "demo", "-c", "2", "-i", "1")) {
      long pid = tool.awaitTracing("uprobes");
      Tool.Finished run = tool.awaitExit(60);
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.err()).contains("tracing pid " + pid + " (demo) with uprobes; ");
      assertThat(run.out()).contains("demo pid " + pid + ": ").contains(DemoRounds.roundLine(1));

      List<Report> reports = TextReports.parse(run.out());
      assertThat(reports).as(run.out()).hasSize(2);
      assertThat(reports.get(0).totals().isFinal()).isFalse();
      assertThat(reports.get(1).totals().isFinal()).isTrue();
      assertThat(reports.get(1).totals().endReason()).isEqualTo("report count reached");
      for (Report report : reports) {
        assertThat(report.totals().lostEvents()).isZero();
        // The demo leaks a round a second, so a report may come while a round is being applied:
        // the counts are not known exactly, but each stack's sizes follow from its counts.
        for (DemoRounds.Pattern pattern : DemoRounds.after(1)) {
          Stack stack =
              report.stacks().stream()
                  .filter(s -> s.innermost().startsWith(pattern.framePrefix()))
                  .findFirst()
                  .orElseThrow(() -> new AssertionError(pattern.function() + " in " + report));
          assertThat(stack.allocCount()).isPositive();
          assertThat(stack.allocSize()).isEqualTo(pattern.block() * stack.allocCount());
          if (pattern.freeCount() == 0) {
            assertThat(stack.freeCount()).isZero();
          }
          assertThat(stack.freeSize()).isEqualTo(pattern.block() * stack.freeCount());
        }
      }

      // The launched demo is terminated after the last report.
      Optional<ProcessHandle> demo = ProcessHandle.of(pid);
      if (demo.isPresent()) {
        demo.get().onExit().get(10, TimeUnit.SECONDS);
      }
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    }
  }
}
