package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.leakdetector.cli.Dist.Run;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ctrl+C and the other ends of a run, through the real bin/leakdetector as a child process, with
 * the test-only scripted source put on the module path ({@code LEAKDETECTOR_MODULE_PATH}).
 */
class LauncherSignalIT {
  @TempDir static Path moduleDir;
  private static Map<String, String> env;

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void buildScriptedSource() throws IOException {
    env = Map.of("LEAKDETECTOR_MODULE_PATH", ScriptedSourceModule.build(moduleDir).toString());
  }

  @AfterEach
  void killWhatWasStarted() {
    started.forEach(Process::destroyForcibly);
  }

  @ParameterizedTest
  @ValueSource(strings = {"INT", "TERM"})
  void aSignalPrintsTheFinalReportAndExitsZero(String signal) throws Exception {
    Process target = started(new ProcessBuilder("sleep", "60").start());
    Process tool =
        started(Dist.start(dir, env, "-p", Long.toString(target.pid()), "--source", "scripted"));
    awaitErr("tracing pid " + target.pid() + " (sleep) with scripted");
    kill(signal, tool.pid());
    assertThat(tool.waitFor(30, TimeUnit.SECONDS)).as("ended after SIG" + signal).isTrue();
    Run r = Dist.finished(dir, tool);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("final report: stopped")
        .contains("AllocateCount: 3\nFreeCount: 0\nAllocateSize: 300\nFreeSize: 0\n");
    assertThat(r.err()).doesNotContain("Exception");
    assertThat(target.isAlive()).as("the traced process is left running").isTrue();
  }

  @Test
  void periodicReportsThenCtrlC() throws Exception {
    Process target = started(new ProcessBuilder("sleep", "60").start());
    Process tool =
        started(
            Dist.start(
                dir, env, "-p", Long.toString(target.pid()), "--source", "scripted", "-i", "0.2"));
    awaitOut("Outstanding: ");
    kill("INT", tool.pid());
    assertThat(tool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Run r = Dist.finished(dir, tool);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).containsOnlyOnce("final report: stopped");
    assertThat(r.out().lines().filter(l -> l.startsWith("Outstanding: ")).count())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void prometheusEndpointOfTheDistribution() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Process target = started(new ProcessBuilder("sleep", "60").start());
    Process tool =
        started(
            Dist.start(
                dir,
                env,
                "-p",
                Long.toString(target.pid()),
                "--source",
                "scripted",
                "-i",
                "0.2",
                "--prometheus-port",
                Integer.toString(port)));
    awaitOut("Outstanding: 350 bytes");
    String metrics = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!metrics.contains("leak_outstanding_bytes{") && System.nanoTime() < deadline) {
      metrics = scrape(port);
      Thread.sleep(100);
    }
    assertThat(metrics).containsPattern("\nleak_outstanding_bytes\\{[^}]*\\} 350(\\.0)?\n");
    kill("TERM", tool.pid());
    assertThat(tool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(tool.exitValue()).isZero();
  }

  private static String scrape(int port) {
    try {
      HttpURLConnection c =
          (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      try (var in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException notYet) {
      return "";
    }
  }

  @Test
  void aSourceFailureExitsThreeAfterTheReport() throws Exception {
    Run r =
        Dist.run(
            dir,
            env,
            "-p",
            Long.toString(ProcessHandle.current().pid()),
            "--source",
            "scripted",
            "--source-option",
            "scripted.then=fail");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(3);
    assertThat(r.out()).contains("final report: tracing failed");
    assertThat(r.err()).endsWith("leakdetector: The scripted source failed on purpose.\n");
  }

  @Test
  void demoRunsTheBundledProgram() throws Exception {
    Dist.requirePrerequisite(
        Files.isRegularFile(Dist.home().resolve("demo/demo")), "the bundled demo program");
    Run r = Dist.run(dir, env, "demo", "--source", "scripted", "-i", "0.3", "-c", "2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Matcher m = Pattern.compile("tracing pid (\\d+) \\(demo\\) with scripted").matcher(r.err());
    assertThat(m.find()).as(r.err()).isTrue();
    assertThat(r.out()).contains("demo pid " + m.group(1)).contains("final report: report count");
    long pid = Long.parseLong(m.group(1));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("the demo is terminated after the last report")
        .isFalse();
  }

  private Process started(Process p) {
    started.add(p);
    return p;
  }

  private static void kill(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).isZero();
  }

  private void awaitErr(String text) throws Exception {
    await(dir.resolve("err.txt"), text);
  }

  private void awaitOut(String text) throws Exception {
    await(dir.resolve("out.txt"), text);
  }

  private static void await(Path file, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    fail("no '" + text + "' within 30 s in " + file + ": " + Files.readString(file));
  }
}
