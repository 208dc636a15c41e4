package io.leakdetector.symbols.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A native fixture run by a test; {@link #close()} kills it and waits for it. */
public final class FixtureProcess implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;
  private final OutputStream in;

  private FixtureProcess(Process process) {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = process.getOutputStream();
  }

  public static FixtureProcess start(Path binary) throws IOException {
    return start(binary.toString());
  }

  public static FixtureProcess start(String... command) throws IOException {
    return new FixtureProcess(
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
  }

  public long pid() {
    return process.pid();
  }

  /** The next line the fixture prints; fails when it ends first. */
  public String readLine() throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the fixture ended without printing a line");
    }
    return line;
  }

  /** The hex numbers of the next line the fixture prints. */
  public long[] readAddresses() throws IOException {
    String[] parts = readLine().trim().split(" ");
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = Long.parseUnsignedLong(parts[i], 16);
    }
    return values;
  }

  public void writeLine(String line) throws IOException {
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** Kills the fixture and waits until it is gone (reaped). */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
