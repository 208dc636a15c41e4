package io.leakdetector.cli.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of the real {@code bin/leakdetector} as a child process, its standard output and error
 * going to files ({@code NAME.out}, {@code NAME.err}) that the test reads while it runs.
 */
final class Tool implements AutoCloseable {
  private static final Pattern TRACING =
      Pattern.compile("leakdetector: tracing pid (\\d+) \\(([^)]*)\\) with (\\w+); ");

  private final Process process;
  private final Path out;
  private final Path err;

  private Tool(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** What a finished run printed and returned. */
  record Finished(int exitCode, String out, String err) {}

  /** Starts {@code leakdetector ARGS} with {@code dir} as its working directory. */
  static Tool start(Path dir, Map<String, String> env, String... args) throws IOException {
    Path out = Files.createTempFile(dir, "leakdetector-", ".out");
    Path err = out.resolveSibling(out.getFileName().toString().replace(".out", ".err"));
    ProcessBuilder builder =
        new ProcessBuilder(Distribution.command(args))
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().remove("LEAKDETECTOR_DEBUG");
    builder.environment().putAll(env);
    return new Tool(builder.start(), out, err);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String out() throws IOException {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  String err() throws IOException {
    return Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
  }

  /**
   * Waits for the line saying tracing is on ({@code leakdetector: tracing pid N (NAME) with SOURCE;
   * ...}) and returns the traced pid; fails if the run ends first or within 30 s.
   */
  long awaitTracing(String source) throws IOException, InterruptedException {
    awaitErr(text -> TRACING.matcher(text).find(), "the line saying tracing is on");
    Matcher m = TRACING.matcher(err());
    m.find();
    if (!m.group(3).equals(source)) {
      fail("traced with " + m.group(3) + ", not " + source + ":\n" + err());
    }
    return Long.parseLong(m.group(1));
  }

  /** Waits until standard output satisfies {@code done} (at most 30 s). */
  String awaitOut(Predicate<String> done, String what) throws IOException, InterruptedException {
    return await(true, done, what);
  }

  private void awaitErr(Predicate<String> done, String what)
      throws IOException, InterruptedException {
    await(false, done, what);
  }

  private String await(boolean stdout, Predicate<String> done, String what)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      boolean ended = !process.isAlive();
      String text = stdout ? out() : err();
      if (done.test(text)) {
        return text;
      }
      if (ended) {
        fail(
            "leakdetector ended (exit "
                + process.exitValue()
                + ") before "
                + what
                + "\nstdout:\n"
                + out()
                + "\nstderr:\n"
                + err());
      }
      if (System.nanoTime() > deadline) {
        fail("no " + what + " within 30 s\nstdout:\n" + out() + "\nstderr:\n" + err());
      }
      Thread.sleep(20);
    }
  }

  /** Waits for the run's end (at most {@code seconds}) and returns what it printed. */
  Finished awaitExit(int seconds) throws IOException, InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(
          "leakdetector did not end within "
              + seconds
              + " s\nstdout:\n"
              + out()
              + "\nstderr:\n"
              + err());
    }
    return new Finished(process.exitValue(), out(), err());
  }

  /**
   * Sends a signal ({@code INT} is Ctrl+C's) to the process started, which is the JVM: the launcher
   * script (and perl in front of it, when used) {@code exec}s it.
   */
  void signal(String name) throws IOException, InterruptedException {
    Distribution.signal(name, process.pid());
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
