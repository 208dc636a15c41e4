package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.ChildJvm;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: one sentence with the right kind, never a stack trace or a harmed target. */
class BadInputTest {
  @TempDir Path dir;

  private static SourceRequest pid(long pid) {
    return new SourceRequest(new TargetSpec.Pid(pid), false, Map.of());
  }

  /** One sentence: starts upper case, ends with a full stop, one line, no exception names. */
  static void assertOneSentence(String message) {
    assertThat(message).matches("[A-Z].*\\.").doesNotContain("\n").doesNotContain("Exception");
  }

  @Test
  void aPidThatDoesNotExist() {
    long pid = 4_000_000; // above pid_max
    assertThatThrownBy(() -> new UprobesSourceProvider().open(pid(pid)))
        .isInstanceOfSatisfying(
            LeakDetectorException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS);
              assertThat(e.getMessage()).isEqualTo("No process with pid 4000000 is running.");
            });
  }

  @Test
  void aProcessThatHasExitedButIsNotReaped() throws Exception {
    // the background child exits after the shell has become sleep, which never reaps it, so it
    // stays a zombie (a child that exits before the exec may be reaped by the shell itself)
    Process p =
        new ProcessBuilder("/bin/sh", "-c", "sleep 0.3 & echo $!; exec sleep 30")
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      long zombie = Long.parseLong(r.readLine().trim());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ProcFs.state(zombie) != 'Z' && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(ProcFs.state(zombie)).isEqualTo('Z');
      assertThatThrownBy(() -> new UprobesSourceProvider().open(pid(zombie)))
          .isInstanceOfSatisfying(
              LeakDetectorException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS);
                assertOneSentence(e.getMessage());
                assertThat(e.getMessage()).contains(Long.toString(zombie));
              });
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aProcessThatExitsWhileWeAttach() throws Exception {
    // attaching opens dozens of probe events; the target lives 30 ms
    Process p = new ProcessBuilder("/bin/sleep", "0.03").start();
    try {
      EngineProbe sink = new EngineProbe(-1);
      try (HeapEventSource source = new UprobesSourceProvider().open(pid(p.pid()))) {
        // it may also have lived long enough: then its exit ends the stream
        source.start(sink, sink);
        assertThat(sink.awaitEnd(30)).isTrue();
        assertThat(sink.failure).isNull();
      } catch (LeakDetectorException e) {
        assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS);
        assertOneSentence(e.getMessage());
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStaticallyLinkedProcessHasNothingToProbe() throws Exception {
    Path source = dir.resolve("static.c");
    Files.writeString(
        source,
        "#include <stdio.h>\n#include <stdlib.h>\nint main(void){ char l[8];"
            + " void *p = malloc(10); printf(\"ready %p\\n\", p); fflush(stdout);"
            + " fgets(l, sizeof l, stdin); return 0; }\n");
    Path program;
    try {
      program = CCompiler.compile(source, dir.resolve("static"), "-static", "-O1");
    } catch (java.io.IOException e) {
      Prerequisites.require(false, "a static libc (libc6-dev) for gcc -static: " + e.getMessage());
      return;
    }
    try (FixtureProcess p = FixtureProcess.start(program)) {
      p.await("ready", 30);
      assertThatThrownBy(() -> new UprobesSourceProvider().open(pid(p.pid())))
          .isInstanceOfSatisfying(
              LeakDetectorException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
                assertThat(e.getMessage())
                    .isEqualTo(
                        "Process "
                            + p.pid()
                            + " maps no libc (statically linked?); nothing to probe.");
              });
      p.send("x");
      assertThat(p.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.process().exitValue()).isZero();
    }
    assertThatThrownBy(
            () ->
                new UprobesSourceProvider()
                    .open(
                        new SourceRequest(
                            new TargetSpec.Launch(List.of(program.toString())), false, Map.of())))
        .isInstanceOfSatisfying(
            LeakDetectorException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
              assertOneSentence(e.getMessage());
              assertThat(e.getMessage()).contains("statically linked");
            });
  }

  @Test
  void anUnprivilegedUserIsToldWhyInOneSentence() throws Exception {
    Prerequisites.require(
        ProcessHandle.current().info().user().map("root"::equals).orElse(false)
            && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "root and setpriv, to run a tracer as nobody");
    try (FixtureProcess target =
        FixtureProcess.start(
            CCompiler.compile(CCompiler.testSource("churn.c"), dir.resolve("churn"), "-O2", "-g"),
            "wait")) {
      target.await("waiting", 30);
      String cp = ChildJvm.classPath(dir);
      List<String> nobody =
          List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
      String availability = runChild(ChildJvm.command(cp, nobody, "availability"));
      assertThat(availability).startsWith("available=false reason=Not permitted to trace: ");
      assertOneSentence(availability.substring(availability.indexOf("reason=") + 7));
      String attach = runChild(ChildJvm.command(cp, nobody, "attach", Long.toString(target.pid())));
      assertThat(attach).startsWith("kind=NOT_PERMITTED message=Not permitted to trace: ");
      assertOneSentence(attach.substring(attach.indexOf("message=") + 8));
      // as root the same child attaches: the refusal was about privileges
      String asRoot =
          runChild(ChildJvm.command(cp, List.of(), "attach", Long.toString(target.pid())));
      assertThat(asRoot).isEqualTo("attached");
    }
  }

  /**
   * Which design the privileges give, as --list says it and as attaching runs it. Uprobe events
   * need CAP_SYS_ADMIN on this kernel (CAP_PERFMON alone: EACCES, measured), which also permits
   * BPF; so the fallback is for a bpf() refused otherwise: here by a seccomp filter, as a
   * container's profile does, while perf_event_open stays allowed.
   */
  @Test
  void theFallbackIsChosenWhereBpfIsRefusedAndSaysWhy() throws Exception {
    Prerequisites.require(
        ProcessHandle.current().info().user().map("root"::equals).orElse(false)
            && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "root and setpriv, to run a tracer with fewer capabilities");
    Path noBpf = CCompiler.compile(CCompiler.testSource("no_bpf.c"), dir.resolve("no_bpf"), "-O1");
    try (FixtureProcess target =
        FixtureProcess.start(
            CCompiler.compile(CCompiler.testSource("churn.c"), dir.resolve("churn"), "-O2", "-g"),
            "wait")) {
      target.await("waiting", 30);
      String cp = ChildJvm.classPath(dir);
      String pid = Long.toString(target.pid());
      assertThat(runChild(ChildJvm.command(cp, List.of(), "design", pid)))
          .isEqualTo(
              "design= reason=BPF design: probes for the whole process, every thread from its first instruction");
      assertThat(runChild(ChildJvm.command(cp, List.of(noBpf.toString()), "design", pid)))
          .isEqualTo(
              "design=per-thread fallback reason=per-thread fallback (BPF not permitted although"
                  + " CAP_BPF is held: a seccomp filter (as in containers), a security module or"
                  + " kernel lockdown refuses the bpf system call): threads created after attach"
                  + " are traced late");
      // CAP_PERFMON alone does not open uprobe events on this kernel: refused in one sentence
      String perfmonOnly =
          runChild(
              ChildJvm.command(
                  cp, List.of("/usr/bin/setpriv", "--bounding-set=-all,+perfmon"), "design", pid));
      assertThat(perfmonOnly).startsWith("kind=NOT_PERMITTED message=Not permitted to trace: ");
      assertOneSentence(perfmonOnly.substring(perfmonOnly.indexOf("message=") + 8));
    }
  }

  private static String runChild(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    String[] lines = out.split("\n");
    return lines[lines.length - 1];
  }
}
