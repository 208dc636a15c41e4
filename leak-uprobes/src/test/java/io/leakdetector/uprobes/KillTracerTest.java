package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import io.leakdetector.uprobes.probe.ProbeSite;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.ChildJvm;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After kill -9 of a tracer mid-session no probe remains: the target's allocator runs at its
 * untraced speed again, the code at every probe site (libc's allocators, the loader's entry) equals
 * the file's again, and it keeps running and exits normally.
 */
class KillTracerTest {
  @org.junit.jupiter.api.BeforeAll
  static void tracingPermitted() {
    Prerequisites.requireUprobes();
  }

  @TempDir Path dir;

  @Test
  void killingTheTracerLeavesNoProbeAndTheTargetUnharmed() throws Exception {
    Path churn =
        CCompiler.compile(
            CCompiler.testSource("churn.c"),
            dir.resolve("churn"),
            "-O2",
            "-fno-omit-frame-pointer",
            "-g");
    try (FixtureProcess target = FixtureProcess.start(churn, "report-ms", "200")) {
      double untraced = median(rates(target, 5));
      String cp = ChildJvm.classPath(dir);
      Process tracer =
          new ProcessBuilder(ChildJvm.command(cp, List.of(), "trace", Long.toString(target.pid())))
              .redirectErrorStream(true)
              .start();
      try {
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(tracer.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("tracing")) {
          // startup output
        }
        assertThat(line).isEqualTo("tracing");
        drain(target);
        double traced = median(rates(target, 5));
        assertThat(traced).as("probes slow the allocator down").isLessThan(untraced / 5);
        List<int[]> whileTraced = probeBytes(target.pid());
        assertThat(whileTraced).as("probe sites").hasSizeGreaterThan(5);
        assertThat(whileTraced)
            .as("each probe site holds the breakpoint (int3) while traced")
            .allMatch(b -> b[0] == 0xCC && b[1] != 0xCC);

        tracer.destroyForcibly(); // SIGKILL
        assertThat(tracer.waitFor(120, TimeUnit.SECONDS)).isTrue();
        // the kernel drops each probe as it closes the dead tracer's descriptors
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        double after = 0;
        while (System.nanoTime() < deadline) {
          drain(target);
          after = median(rates(target, 3));
          if (after > untraced / 2) {
            break;
          }
        }
        System.out.printf(
            "churn ops/s: untraced %.0f, traced %.0f, after kill -9 %.0f%n",
            untraced, traced, after);
        assertThat(after).as("untraced speed again").isGreaterThan(untraced / 2);
        assertThat(probeBytes(target.pid()))
            .as("the code at every probe site equals the file's again")
            .allMatch(b -> b[0] == b[1]);
      } finally {
        tracer.destroyForcibly();
      }
      assertThat(target.process().isAlive()).isTrue();
      // SIGTERM (Process.destroy would also close our end of its stdout): churn prints its
      // total and exits 0
      io.leakdetector.uprobes.linux.LinuxC.kill((int) target.pid(), 15);
      assertThat(target.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(target.process().exitValue()).isZero();
      target.await("total ops/s", 10);
    }
  }

  /**
   * For every probe site the source places in the target's libc, and for its dynamic loader's
   * entry: the first byte in the target's memory and the byte in the file, as unsigned ints.
   */
  private static List<int[]> probeBytes(long pid) throws Exception {
    List<ProcMapsEntry> maps = ProcMaps.read(pid);
    List<int[]> bytes = new ArrayList<>();
    for (LibcLocator.Found libc : LibcLocator.find(pid, maps)) {
      LibcImage image =
          new LibcProbePlanner(true).plan(libc.targetPath(), libc.hostPath(), libc.file());
      for (ProbeSite site : image.sites()) {
        bytes.add(byteAt(pid, maps, libc.targetPath(), libc.hostPath(), site.probeOffset()));
      }
    }
    Launcher.Loader loader =
        Launcher.loaderOf(Path.of("/proc/" + pid + "/exe"), Path.of("/proc/" + pid + "/root"), 0);
    assertThat(loader).as("the target's dynamic loader").isNotNull();
    String loaderInTarget = Path.of(loader.path()).toString();
    bytes.add(byteAt(pid, maps, loaderInTarget, Path.of(loader.path()), loader.entryOffset()));
    return bytes;
  }

  private static int[] byteAt(
      long pid, List<ProcMapsEntry> maps, String path, Path file, long offset) throws Exception {
    String real = Path.of(path).toRealPath().toString();
    for (ProcMapsEntry e : maps) {
      if (e.isExecutable()
          && e.path().equals(real)
          && offset >= e.fileOffset()
          && offset < e.fileOffset() + (e.end() - e.start())) {
        long address = e.start() + (offset - e.fileOffset());
        try (com.sun.jna.Memory one = new com.sun.jna.Memory(1)) {
          long read =
              new io.leakdetector.uprobes.linux.PerfEvents(
                      io.leakdetector.uprobes.linux.CpuArch.X86_64)
                  .readProcessMemory((int) pid, address, one, 1);
          assertThat(read).isEqualTo(1);
          byte[] inFile = new byte[1];
          try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            f.readFully(inFile);
          }
          return new int[] {one.getByte(0) & 0xFF, inFile[0] & 0xFF};
        }
      }
    }
    throw new AssertionError("no executable mapping of " + real + " at offset " + offset);
  }

  /** Drops the rates printed before now, and the one being measured now. */
  private static void drain(FixtureProcess target) throws InterruptedException {
    target.skipPending();
    target.await("ops/s", 30);
  }

  private static List<Double> rates(FixtureProcess target, int n) throws InterruptedException {
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rates.add(Double.parseDouble(target.await("ops/s", 30).substring(6)));
    }
    return rates;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
