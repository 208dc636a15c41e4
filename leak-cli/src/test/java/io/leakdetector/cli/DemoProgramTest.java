package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.CliHarness.Result;
import io.leakdetector.cli.CliOptions.Target;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code leakdetector demo} finds the native demo and what it passes to it. */
class DemoProgramTest {

  @Test
  void theDemoRunsUntilStoppedUnlessRoundsAreGiven() {
    Path demo = Path.of("/opt/ld/demo/demo");
    assertThat(DemoProgram.command(demo, new Target.Demo(-1, -1)))
        .containsExactly("/opt/ld/demo/demo");
    assertThat(DemoProgram.command(demo, new Target.Demo(3, 250)))
        .containsExactly("/opt/ld/demo/demo", "--rounds", "3", "--delay-ms", "250");
  }

  @Test
  void anOverrideThatIsNoFile() {
    Result r =
        CliHarness.run(
            Map.of("LEAKDETECTOR_DEMO", "/nonexistent/demo"),
            StopRequests::manual,
            "demo",
            "--source",
            "scripted");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "leakdetector: LEAKDETECTOR_DEMO names /nonexistent/demo, which is not a file.\n");
  }

  @Test
  void fromTheSourceTreeTheBuiltDemoIsFound() throws Exception {
    Path built = Path.of("..", "demo", "target", "native", DemoProgram.fileName());
    Dist.requirePrerequisite(built.toFile().isFile(), "the demo built by the demo module (gcc)");
    assertThat(DemoProgram.locate(Map.of())).isEqualTo(built.toAbsolutePath().normalize());
  }
}
