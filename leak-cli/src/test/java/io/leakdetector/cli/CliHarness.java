package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/** Runs the command in this JVM with captured output. */
final class CliHarness {
  private CliHarness() {}

  /** What a run printed and returned. */
  record Result(int exitCode, String out, String err) {}

  static Result run(String... args) {
    return run(Map.of(), StopRequests::manual, args);
  }

  static Result run(Map<String, String> env, Supplier<StopRequests> stops, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      int code = new Cli(o, e, env, stops).run(args);
      return new Result(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  /** Parses and checks the arguments as the command does. */
  static CliOptions parse(String... args) throws LeakDetectorException {
    PrintStream discard =
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return new Cli(discard, discard, Map.of(), StopRequests::manual).parse(args, false);
  }
}
