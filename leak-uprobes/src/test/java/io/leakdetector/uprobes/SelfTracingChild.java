package io.leakdetector.uprobes;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetector;
import io.leakdetector.LeakSession;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

/**
 * The JVM of {@link SelfTracingTest}: traces itself with {@code LeakDetector.builder().self()},
 * keeps {@code args[0]} Deflaters without {@code end()} from one method and ends as many others,
 * and prints the outstanding blocks allocated inside {@code deflateInit2_} and the source's
 * counters. Its exporter, which runs on the session's reporting thread (one of the detector's own
 * threads), keeps {@code args[1]} Deflaters of its own: they must not be counted.
 */
public final class SelfTracingChild {
  private static final List<Deflater> leaked = new ArrayList<>();
  private static final List<Deflater> keptByTheExporter = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    int exporterKeeps = Integer.parseInt(args[1]);
    BlockingQueue<LeakSnapshot> reports = new ArrayBlockingQueue<>(1000);
    LeakDetector detector =
        LeakDetector.builder()
            .self()
            .sourceOption("uprobes.mode", "bpf")
            .interval(Duration.ofMillis(100))
            .topN(0)
            .skipFrames(List.of())
            .debuginfod(false)
            .exporter(
                snapshot -> {
                  if (keptByTheExporter.size() < exporterKeeps) {
                    keptByTheExporter.add(new Deflater());
                  }
                  reports.offer(snapshot);
                })
            .build();
    try (LeakSession session = detector.open()) {
      session.start();
      // the exporter keeps its Deflaters before the leaks start
      while (keptByTheExporter.size() < exporterKeeps) {
        take(reports);
      }
      leakDeflaters(n);
      endDeflaters(n);
      // A report's catch-up waits a bounded time: the count is read once the report after the
      // next one (whose catch-up began after the last allocation above) and its successor agree,
      // so a reader running behind on a loaded machine is waited for.
      reports.clear();
      take(reports);
      LeakSnapshot snapshot = take(reports);
      long outstanding = deflateInitOutstanding(snapshot);
      for (int i = 0; i < 100; i++) {
        LeakSnapshot next = take(reports);
        long now = deflateInitOutstanding(next);
        snapshot = next;
        if (now == outstanding) {
          break;
        }
        outstanding = now;
      }
      System.out.println("deflateInit2 outstanding " + outstanding);
      System.out.println("exporter kept " + keptByTheExporter.size());
      System.out.println("excludedEvents " + snapshot.sourceCounters().get("excludedEvents"));
      System.out.println("lostRecords " + snapshot.sourceCounters().get("lostRecords"));
      System.out.println("leaked " + leaked.size());
    }
  }

  private static long deflateInitOutstanding(LeakSnapshot snapshot) {
    long outstanding = 0;
    for (StackReport stack : snapshot.stacks()) {
      if (stack.frames().stream().anyMatch(SelfTracingChild::isDeflateInit)) {
        outstanding += stack.outstandingCount();
      }
    }
    return outstanding;
  }

  private static boolean isDeflateInit(Frame frame) {
    return "deflateInit2_".equals(frame.symbol()) || "deflateInit2_".equals(frame.function());
  }

  private static void leakDeflaters(int n) {
    for (int i = 0; i < n; i++) {
      leaked.add(new Deflater());
    }
  }

  private static void endDeflaters(int n) {
    for (int i = 0; i < n; i++) {
      new Deflater().end();
    }
  }

  private static LeakSnapshot take(BlockingQueue<LeakSnapshot> reports)
      throws InterruptedException {
    LeakSnapshot s = reports.poll(30, TimeUnit.SECONDS);
    if (s == null) {
      throw new IllegalStateException("no report within 30 s");
    }
    return s;
  }
}
