package io.leakdetector.uprobes.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A compiled C fixture run as a child process, driven by lines on its stdin and read line by line
 * from its stdout. Closing kills it.
 */
public final class FixtureProcess implements AutoCloseable {
  private final Process process;
  private final OutputStream stdin;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> all = Collections.synchronizedList(new ArrayList<>());

  private FixtureProcess(Process process) {
    this.process = process;
    this.stdin = process.getOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  all.add(line);
                  lines.add(line);
                }
              } catch (IOException e) {
                // process gone
              }
            },
            "fixture-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  public static FixtureProcess start(Path program, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(program.toString());
    command.addAll(List.of(args));
    return new FixtureProcess(
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
  }

  public static FixtureProcess start(List<String> command) throws IOException {
    return new FixtureProcess(
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
  }

  public long pid() {
    return process.pid();
  }

  public Process process() {
    return process;
  }

  /** Waits for a line starting with {@code prefix}; returns it. */
  public String await(String prefix, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError(
            "fixture did not print \"" + prefix + "\" in " + seconds + " s; output: " + all);
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Forgets the lines printed so far and not yet awaited. */
  public void skipPending() {
    lines.clear();
  }

  public void send(String line) throws IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  /** Every line printed so far. */
  public List<String> output() {
    synchronized (all) {
      return new ArrayList<>(all);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
