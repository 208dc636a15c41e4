package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.testkit.Commands;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.Prerequisites;
import io.leakdetector.uprobes.testing.RecordingSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's must-show 5: a JVM with 200 threads is attached and detached in under 2 s. With the
 * BPF design nothing is done per thread (one probe set for the process, links that detach in one
 * grace period), so the JVM's threads cost nothing; the per-thread fallback took minutes here.
 */
class JvmAttachTest {
  private static final String IDLE =
      """
      import java.util.concurrent.locks.LockSupport;
      public class IdleThreads {
        public static void main(String[] args) throws Exception {
          int n = Integer.parseInt(args[0]);
          for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> { while (true) LockSupport.park(); }, "idle-" + i);
            t.setDaemon(true);
            t.start();
          }
          System.out.println("ready");
          System.in.read(); // until the test closes our input
        }
      }
      """;

  @TempDir static Path dir;

  @BeforeAll
  static void compile() throws Exception {
    Availability availability = new UprobesSourceProvider().availability();
    Prerequisites.require(availability.available(), "uprobe tracing: " + availability.reason());
    Files.writeString(dir.resolve("IdleThreads.java"), IDLE);
    Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
    Commands.run(
        List.of(
            javac.toString(), "-d", dir.toString(), dir.resolve("IdleThreads.java").toString()));
  }

  @Test
  void aJvmWithTwoHundredThreadsIsAttachedAndDetachedInUnderTwoSeconds() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    try (FixtureProcess jvm =
        FixtureProcess.start(
            List.of(
                java.toString(), "-Xshare:auto", "-cp", dir.toString(), "IdleThreads", "200"))) {
      jvm.await("ready", 60);
      long threads = Files.list(Path.of("/proc/" + jvm.pid() + "/task")).count();
      assertThat(threads).as("the JVM's threads").isGreaterThanOrEqualTo(200);
      long t0 = System.nanoTime();
      HeapEventSource source =
          new UprobesSourceProvider()
              .open(new SourceRequest(new TargetSpec.Pid(jvm.pid()), false, Map.of()));
      source.start(new RecordingSink(-1), StreamListener.NONE);
      long attached = System.nanoTime();
      source.close();
      long detached = System.nanoTime();
      System.out.printf(
          "JVM with %d threads: attach %.0f ms, detach %.0f ms%n",
          threads, (attached - t0) / 1e6, (detached - attached) / 1e6);
      assertThat(source.design()).as("the BPF design, not the per-thread fallback").isEmpty();
      assertThat((detached - t0) / 1_000_000).as("attach + detach, ms").isLessThan(2000);
    }
  }
}
