package io.leakdetector.uprobes.bench;

import io.leakdetector.SortOrder;
import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.internal.engine.SnapshotQuery;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.UprobesSourceProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The tracing side of {@code bench/uprobes.sh} (not a test): attaches to a process with the uprobes
 * source feeding the real engine, prints {@code attached}, and when the process exits prints this
 * JVM's CPU use over the traced window and the source's counters.
 *
 * <p>Usage: {@code UprobesBench PID [option=value…]} (options as in {@code SourceRequest}), or
 * {@code UprobesBench plan LIBC} to print where each probe goes.
 */
public final class UprobesBench {
  private UprobesBench() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("plan")) {
      // where the source places each probe in a libc: "symbol delta", one line each
      var image =
          new io.leakdetector.uprobes.probe.LibcProbePlanner(true)
              .plan(args[1], Path.of(args[1]), io.leakdetector.uprobes.probe.FileId.NONE);
      for (var site : image.sites()) {
        for (var f : site.functions()) {
          System.out.println(f.symbol() + " " + site.placementDelta());
        }
      }
      return;
    }
    long pid = Long.parseLong(args[0]);
    Map<String, String> options = new HashMap<>();
    boolean nullSink = false;
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      if (kv[0].equals("sink")) {
        nullSink = kv[1].equals("null"); // measures the source alone
      } else {
        options.put(kv[0], kv[1]);
      }
    }
    HeapEngine engine = new HeapEngine(EngineConfig.DEFAULT);
    CountDownLatch ended = new CountDownLatch(1);
    HeapEventSink sink = nullSink ? HeapEventSink.NONE : engine;
    long attachBegin = System.nanoTime();
    HeapEventSource source =
        new UprobesSourceProvider()
            .open(new SourceRequest(new TargetSpec.Pid(pid), false, options));
    source.start(sink, new Ending(ended));
    long attachMillis = (System.nanoTime() - attachBegin) / 1_000_000;
    long cpu0 = cpuTicks();
    long t0 = System.nanoTime();
    System.out.println("attached");
    System.out.flush();
    boolean timeline = Boolean.getBoolean("bench.timeline");
    while (!ended.await(timeline ? 100 : 600_000, TimeUnit.MILLISECONDS)) {
      Map<String, Long> now = source.counters();
      System.err.printf(
          "t=%.1f events=%d lost=%d drains=%d cpu=%d%n",
          (System.nanoTime() - t0) / 1e9,
          events(now),
          now.get("lostEvents"),
          now.get("drains"),
          cpuTicks() - cpu0);
    }
    long t1 = System.nanoTime();
    long cpu1 = cpuTicks();
    double seconds = (t1 - t0) / 1e9;
    double cpuPercent = 100.0 * (cpu1 - cpu0) / 100.0 / seconds; // USER_HZ = 100
    Map<String, Long> c = source.counters();
    long closeBegin = System.nanoTime();
    source.close();
    long closeMillis = (System.nanoTime() - closeBegin) / 1_000_000;
    EngineSnapshot s =
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 10, 0, 0, System.nanoTime(), false));
    System.out.printf(
        "result cpu_percent=%.1f seconds=%.2f events=%d events_per_s=%.0f lost=%d"
            + " outstanding=%d attach_ms=%d close_ms=%d design=%s stack_mib_per_s=%.1f"
            + " unwind_ns=%.0f%n",
        cpuPercent,
        seconds,
        events(c),
        events(c) / seconds,
        c.get("lostEvents"),
        s.totals().outstandingCount(),
        attachMillis,
        closeMillis,
        source.design().isEmpty() ? "bpf" : "per-thread",
        c.getOrDefault("stackCopyBytes", 0L) / seconds / (1 << 20),
        1000.0 * c.getOrDefault("unwindMicros", 0L) / Math.max(1, events(c)));
  }

  /** Probe hits read: ring records (BPF design) or perf samples (per-thread design). */
  private static long events(Map<String, Long> counters) {
    Long records = counters.get("records");
    return records != null ? records : counters.getOrDefault("samples", 0L);
  }

  /** utime + stime of this JVM, in clock ticks. */
  static long cpuTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** Counts the end of the stream down, whatever ends it; says why when the source failed. */
  private record Ending(CountDownLatch ended) implements StreamListener {
    @Override
    public void onTargetExit(int exitCode) {
      ended.countDown();
    }

    @Override
    public void onSourceFailure(String message) {
      System.out.println("failure " + message);
      ended.countDown();
    }
  }
}
