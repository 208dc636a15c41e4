package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.Prerequisites;
import io.leakdetector.uprobes.testing.RecordingSink;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the BPF design holds does not depend on the target's threads: attached to the churn workload
 * with 0 and with 256 idle threads, the source holds the same number of perf events and BPF
 * programs — counted by the source and, independently, from this process's own descriptors in
 * {@code /proc/self/fd}. (The per-thread fallback opened threads × CPUs × probes events.) The
 * attach and detach times are printed for the record, not asserted.
 */
class ThreadScalingTest {
  @TempDir static Path dir;
  static Path churn;

  @BeforeAll
  static void compile() throws Exception {
    Availability availability = new UprobesSourceProvider().availability();
    Prerequisites.require(availability.available(), "uprobe tracing: " + availability.reason());
    churn = CCompiler.compile(CCompiler.testSource("churn.c"), dir.resolve("churn"), "-O2");
  }

  /**
   * This process's descriptors by kind of anonymous inode ({@code [perf_event]}, {@code
   * bpf-prog}…).
   */
  private static Map<String, Integer> anonymousDescriptors() throws IOException {
    Map<String, Integer> kinds = new TreeMap<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("anon_inode:")) {
            kinds.merge(target.substring("anon_inode:".length()), 1, Integer::sum);
          }
        } catch (IOException e) {
          // closed meanwhile (the listing's own descriptor)
        }
      }
    }
    return kinds;
  }

  private static long count(Held held, String kind) {
    return held.descriptors().getOrDefault(kind, 0);
  }

  private record Held(Map<String, Long> counters, Map<String, Integer> descriptors) {}

  private static Held attachTo(int idleThreads) throws Exception {
    try (FixtureProcess target =
        FixtureProcess.start(churn, "idle", Integer.toString(idleThreads), "wait")) {
      target.await("waiting", 30);
      assertThat(Files.list(Path.of("/proc/" + target.pid() + "/task")).count())
          .isEqualTo(idleThreads + 1L);
      Map<String, Integer> before = anonymousDescriptors();
      long t0 = System.nanoTime();
      HeapEventSource source =
          new UprobesSourceProvider()
              .open(
                  new SourceRequest(
                      new TargetSpec.Pid(target.pid()), false, Map.of("uprobes.mode", "bpf")));
      source.start(new RecordingSink(-1), StreamListener.NONE);
      long t1 = System.nanoTime();
      Map<String, Integer> during = anonymousDescriptors();
      Map<String, Long> counters = source.counters();
      source.close();
      long t2 = System.nanoTime();
      System.out.printf(
          "%d idle threads: attach %.0f ms, detach %.0f ms, %s%n",
          idleThreads, (t1 - t0) / 1e6, (t2 - t1) / 1e6, counters);
      Map<String, Integer> held = new TreeMap<>();
      during.forEach((kind, n) -> held.put(kind, n - before.getOrDefault(kind, 0)));
      assertThat(anonymousDescriptors()).as("everything released").isEqualTo(before);
      return new Held(counters, held);
    }
  }

  @Test
  void eventsAndProgramsDoNotGrowWithTheTargetsThreads() throws Exception {
    Held none = attachTo(0);
    Held many = attachTo(256);
    for (String counter :
        new String[] {"perfEvents", "probeEvents", "uprobeMultiLinks", "bpfPrograms"}) {
      assertThat(many.counters().get(counter)).as(counter).isEqualTo(none.counters().get(counter));
    }
    assertThat(many.descriptors()).isEqualTo(none.descriptors());
    // what the descriptors show is what the source counts
    assertThat(count(none, "[perf_event]")).isEqualTo(none.counters().get("perfEvents"));
    assertThat(count(none, "bpf-prog")).isEqualTo(none.counters().get("bpfPrograms"));
    assertThat(count(none, "bpf_link")).isEqualTo(none.counters().get("uprobeMultiLinks"));
    if (none.counters().get("uprobeMultiLinks") > 0) {
      // Linux 6.6+: four shared programs and the exec probe's; per libc a link per program
      assertThat(none.counters().get("bpfPrograms")).isEqualTo(5);
      assertThat(none.counters().get("probeEvents")).isZero();
    } else {
      assertThat(none.counters().get("bpfPrograms"))
          .isEqualTo(none.counters().get("probeEvents") + none.counters().get("execProbed"));
    }
  }
}
