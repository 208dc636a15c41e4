package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bundled native demo started by the test (not by the tool), its standard output in a file and
 * its standard input a pipe: with {@code --hold} each line the test writes runs one more round, and
 * closing the pipe (also when this JVM dies) ends the demo.
 */
final class DemoProcess implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final OutputStream input;
  private final boolean holds;

  private DemoProcess(Process process, Path out, boolean holds) {
    this.process = process;
    this.out = out;
    this.input = process.getOutputStream();
    this.holds = holds;
  }

  /** Starts {@code demo ARGS} and waits for its first line ({@code demo pid N: ...}). */
  static DemoProcess start(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Distribution.demo().toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "demo-", ".out");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(out.toFile()))
            .start();
    DemoProcess demo = new DemoProcess(process, out, command.contains("--hold"));
    demo.awaitOutput("demo pid " + process.pid() + ": ");
    return demo;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String output() throws IOException {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** Waits (at most 30 s) until the demo has printed {@code text}. */
  void awaitOutput(String text) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!output().contains(text)) {
      if (System.nanoTime() > deadline) {
        fail("the demo did not print '" + text + "' within 30 s; it printed:\n" + output());
      }
      Thread.sleep(10);
    }
  }

  /** Sends the demo a signal ({@code USR1} starts the rounds of {@code --wait-for-signal}). */
  void signal(String name) throws IOException, InterruptedException {
    Distribution.signal(name, process.pid());
  }

  /**
   * With {@code --hold}: runs one more round, which must be round {@code round}, and waits until
   * the demo has printed it, with the exact totals it says it leaked by then.
   */
  void runRound(int round) throws IOException, InterruptedException {
    input.write('\n');
    input.flush();
    awaitOutput(DemoRounds.roundLine(round));
  }

  /** Closes the demo's input, which ends a held demo, and checks it ends well (exit 0). */
  void endInput() throws IOException, InterruptedException {
    input.close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS))
        .as("the demo ends at its input's end")
        .isTrue();
    assertThat(process.exitValue()).as(output()).isZero();
    assertThat(output()).endsWith("demo done\n");
  }

  @Override
  public void close() throws InterruptedException {
    try {
      input.close();
    } catch (IOException e) {
      // The demo has gone already.
    }
    if (!process.waitFor(holds ? 2 : 0, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
