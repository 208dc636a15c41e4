package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.export.otel.testkit.Prerequisite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The distribution folder that {@code mvn package} built (the failsafe configuration passes it as
 * {@code -Dleakdetector.dist}), its real launcher {@code bin/leakdetector} and its bundled demo.
 */
final class Distribution {
  private static Boolean realTracing;

  private Distribution() {}

  static Path home() {
    String dist = System.getProperty("leakdetector.dist");
    Path home = dist != null ? Path.of(dist) : Path.of("target", "leakdetector");
    assertThat(home.resolve("bin/leakdetector"))
        .as("the distribution built by mvn package")
        .isExecutable();
    return home.toAbsolutePath();
  }

  static Path demo() {
    return home().resolve("demo/demo");
  }

  /**
   * Real tracing needs the bundled demo (built with gcc) and the uprobes source available here
   * (Linux, root or CAP_PERFMON + CAP_SYS_ADMIN): skips outside CI when missing, fails with {@code
   * CI=true}. Asked once per test JVM: {@code --list} costs a JVM start.
   */
  static synchronized void requireRealTracing(Path dir) throws Exception {
    Prerequisite.require(Files.isExecutable(demo()), "the bundled demo program (needs gcc)");
    if (realTracing == null) {
      Tool list = Tool.start(dir, Map.of(), "--list");
      Tool.Finished listed = list.awaitExit(60);
      assertThat(listed.exitCode()).as(listed.err()).isZero();
      realTracing =
          Pattern.compile("\n  uprobes +available(:[^\n]*)?\n").matcher(listed.out()).find();
      if (!realTracing) {
        System.err.println("leakdetector --list says:\n" + listed.out());
      }
    }
    Prerequisite.require(
        realTracing, "the uprobes source (Linux with perf_event_open permitted for this user)");
  }

  /**
   * The launcher's command line. When this JVM ignores SIGINT (a background job of a
   * non-interactive shell), its children would inherit that and the CLI could not be stopped with
   * Ctrl+C's signal; perl restores the default first.
   */
  static List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    if (sigintIgnoredHere()) {
      command.addAll(List.of("perl", "-e", "$SIG{INT}=$SIG{TERM}='DEFAULT'; exec @ARGV or die"));
    }
    command.add(home().resolve("bin/leakdetector").toString());
    command.addAll(List.of(args));
    return command;
  }

  /** Sends a signal ({@code INT}, {@code USR1}, ...) with kill(1). */
  static void signal(String name, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -%s %d", name, pid).isZero();
  }

  private static boolean sigintIgnoredHere() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("SigIgn:")) {
          return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 2) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }
}
