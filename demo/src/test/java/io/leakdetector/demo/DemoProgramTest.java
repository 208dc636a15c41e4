package io.leakdetector.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs the Linux demo binary the build made. */
class DemoProgramTest {
  static final Pattern HEADER =
      Pattern.compile(
          "demo pid (\\d+): per round 30x168 \\(leak_fixed_blocks\\), 20x200 \\(leak_grown_blocks\\),"
              + " 6x100 \\(leak_partly_freed_blocks\\), 4x200 \\(leak_shrunk_blocks\\)"
              + " = 60 blocks, 10440 bytes outstanding; rounds (\\d+), delay (\\d+) ms");

  static Path demo() {
    return DemoBinaries.require("demo", "gcc");
  }

  @Test
  void runsTheRequestedRoundsAndSaysWhatItLeaks() throws Exception {
    Process process =
        new ProcessBuilder(demo().toString(), "--rounds", "2", "--delay-ms", "0")
            .redirectErrorStream(true)
            .start();
    List<String> lines =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines()
            .toList();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(lines).hasSize(4);
    Matcher header = HEADER.matcher(lines.get(0));
    assertThat(header.matches()).as(lines.get(0)).isTrue();
    assertThat(Long.parseLong(header.group(1))).isEqualTo(process.pid());
    assertThat(header.group(2)).isEqualTo("2");
    assertThat(header.group(3)).isEqualTo("0");
    assertThat(lines.subList(1, 4))
        .containsExactly(
            "round 1: 60 blocks, 10440 bytes outstanding",
            "round 2: 120 blocks, 20880 bytes outstanding",
            "demo done");
  }

  @Test
  void holdRunsOneMoreRoundPerLineOfInputUntilItsEnd() throws Exception {
    Process process =
        new ProcessBuilder(demo().toString(), "--rounds", "1", "--delay-ms", "0", "--hold")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(HEADER.matcher(out.readLine()).matches()).isTrue();
      assertThat(out.readLine()).isEqualTo("round 1: 60 blocks, 10440 bytes outstanding");
      assertThat(out.readLine()).isEqualTo("demo holding: one more round per line of input");
      Thread.sleep(300);
      assertThat(process.isAlive()).as("holding").isTrue();
      assertThat(out.ready()).as("no round without input").isFalse();
      process.getOutputStream().write('\n');
      process.getOutputStream().flush();
      assertThat(out.readLine()).isEqualTo("round 2: 120 blocks, 20880 bytes outstanding");
      // A line longer than the demo's read buffer is still one line, so one round.
      process.getOutputStream().write(("x".repeat(300) + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
      assertThat(out.readLine()).isEqualTo("round 3: 180 blocks, 31320 bytes outstanding");
      Thread.sleep(100);
      assertThat(out.ready()).as("one round per line").isFalse();
      process.getOutputStream().close();
      assertThat(out.readLine()).isEqualTo("demo done");
      assertThat(out.readLine()).isNull();
    } finally {
      process.destroyForcibly();
    }
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void holdWithZeroRoundsRunsOnlyTheRoundsOfTheInput() throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(demo().toString(), "--rounds", "0", "--hold").redirectErrorStream(true);
    Process process = builder.start();
    process.getOutputStream().write("\n\n".getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    List<String> lines =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines()
            .toList();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(lines.subList(1, lines.size()))
        .containsExactly(
            "demo holding: one more round per line of input",
            "round 1: 60 blocks, 10440 bytes outstanding",
            "round 2: 120 blocks, 20880 bytes outstanding",
            "demo done");
  }

  @Test
  void badOptionsExitWithUsage() throws Exception {
    DemoBinaries.Result unknown = DemoBinaries.run(List.of(demo().toString(), "--bogus"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.output()).contains("unknown option --bogus").contains("usage: demo");
    DemoBinaries.Result negative = DemoBinaries.run(List.of(demo().toString(), "--rounds", "-1"));
    assertThat(negative.exitCode()).isEqualTo(2);
    assertThat(negative.output()).contains("--rounds needs a number >= 0");
  }

  @Test
  void waitsForSignalBeforeTheFirstRound() throws Exception {
    Process process =
        new ProcessBuilder(
                demo().toString(), "--rounds", "1", "--delay-ms", "0", "--wait-for-signal")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(HEADER.matcher(out.readLine()).matches()).isTrue();
      Thread.sleep(300);
      assertThat(process.isAlive()).as("still waiting").isTrue();
      assertThat(out.ready()).as("no round before the signal").isFalse();
      assertThat(
              new ProcessBuilder("kill", "-USR1", Long.toString(process.pid())).start().waitFor())
          .isZero();
      assertThat(out.readLine()).isEqualTo("round 1: 60 blocks, 10440 bytes outstanding");
      assertThat(out.readLine()).isEqualTo("demo done");
    } finally {
      process.destroyForcibly();
    }
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void waitsForInputBeforeTheFirstRound() throws Exception {
    Process process =
        new ProcessBuilder(demo().toString(), "--rounds", "1", "--wait-for-input")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(HEADER.matcher(out.readLine()).matches()).isTrue();
      Thread.sleep(300);
      assertThat(out.ready()).as("no round before the input").isFalse();
      process.getOutputStream().write('\n');
      process.getOutputStream().flush();
      assertThat(out.readLine()).isEqualTo("round 1: 60 blocks, 10440 bytes outstanding");
    } finally {
      process.destroyForcibly();
    }
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }
}
