package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.CliHarness.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.Command;

/** Exit codes and what the command prints for help, version and bad input. */
class CliExitTest {

  /** A pid far above any pid_max, so no process can have it. */
  static final String NO_SUCH_PID = "2147483647";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-i -5 -p 1",
        "-p abc",
        "-x",
        "-p 1 -P init",
        "-i 3",
        "-p 1 -T -1",
        "--format xml -p 1",
        "-p 1 -- ls",
        "demo -- x",
      })
  void usageErrorsAreOneSentenceAndExitTwo(String args) {
    Result r = CliHarness.run(args.split(" "));
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertOneSentence(r.err());
    assertThat(r.err().lines()).hasSize(2).last().isEqualTo(Cli.TRY_HELP);
  }

  @Test
  void aPidThatDoesNotExist() {
    Result r = CliHarness.run("-p", NO_SUCH_PID, "--source", "scripted");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo("leakdetector: No process with pid " + NO_SUCH_PID + " is running.\n");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void anUnwritableOutputFileIsRefusedBeforeAttaching() {
    long self = ProcessHandle.current().pid();
    Result r =
        CliHarness.run(
            "-p", Long.toString(self), "--source", "scripted", "--output", "/nonexistent-dir/x");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "leakdetector: Cannot write the output file /nonexistent-dir/x (No such file or"
                + " directory).\n");
  }

  @Test
  void anUnknownSource() {
    long self = ProcessHandle.current().pid();
    Result r = CliHarness.run("-p", Long.toString(self), "--source", "nosuch");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertOneSentence(r.err());
    assertThat(r.err()).startsWith("leakdetector: Unknown source 'nosuch'; available: ");
    assertThat(r.err()).contains("scripted");
  }

  @Test
  void anUnknownExporter() {
    long self = ProcessHandle.current().pid();
    Result r =
        CliHarness.run("-p", Long.toString(self), "--source", "scripted", "--exporter", "nosuch");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertOneSentence(r.err());
    assertThat(r.err()).startsWith("leakdetector: Unknown exporter 'nosuch'; available: ");
  }

  @Test
  void aNameNoProcessHas() {
    Result r = CliHarness.run("-P", "no-such-program-4711", "--source", "scripted");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo("leakdetector: No running process is named 'no-such-program-4711'.\n");
  }

  @Test
  void helpGoesToStandardOutputAndExitsZero() {
    Result r = CliHarness.run("--help");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .startsWith("Usage: leakdetector -p PID | -P NAME")
        .contains("-i, --interval=SECONDS", "-T, --top[=N]", "--older-than=DURATION", "demo")
        .contains("--skip-frames=REGEX")
        .contains("Exit codes:", "  3  tracing failed while running");
    assertThat(CliHarness.run("-h").out()).isEqualTo(r.out());
    assertThat(CliHarness.run("demo", "--help").out())
        .startsWith("Usage: leakdetector demo")
        .contains("--rounds=N");
  }

  @Test
  void helpLinesFitEightyColumns() {
    assertThat(CliHarness.run("--help").out().lines())
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
  }

  @Test
  void footerLinesAreNotRewrapped() {
    String help = CliHarness.run("--help").out();
    for (String line : LeakdetectorCommand.class.getAnnotation(Command.class).footer()) {
      assertThat(help).contains(line + "\n");
    }
  }

  @Test
  void version() {
    Result r = CliHarness.run("--version");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("leakdetector " + VersionProvider.version() + "\nJava ");
    assertThat(VersionProvider.version()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void listShowsSourcesExportersAndResolvers() {
    Result r = CliHarness.run("--list");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Sources:\n", "Exporters:\n", "Symbol resolvers:\n")
        .containsPattern("\n  scripted +available\n")
        .containsPattern("\n  text +the console report");
  }

  static void assertOneSentence(String err) {
    assertThat(err).startsWith("leakdetector: ");
    String first = err.lines().findFirst().orElseThrow();
    assertThat(first).doesNotContain("Exception").endsWith(".");
    assertThat(err).doesNotContain("\tat ").doesNotContain("Exception");
  }
}
