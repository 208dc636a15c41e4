import io.leakdetector.LeakDetector;
import io.leakdetector.LeakSession;
import io.leakdetector.LeakSnapshot;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import sun.misc.Unsafe;

/**
 * The Java workload of bench/java.sh (not a test): THREADS threads each do OPS operations, an
 * operation being a Deflater created and ended, an Inflater created and ended, and one direct
 * buffer of a per-thread pool replaced (the old one freed at once through {@code
 * Unsafe.invokeCleaner}, so nothing waits for the GC); every 1000th operation keeps its Deflater
 * (a leak the report must show). After a warm-up of OPS/10 operations per thread it prints {@code
 * waiting pid N} and starts when GO_FILE exists; it prints {@code result ops_per_s=…}.
 *
 * <p>With {@code self} it traces itself ({@code LeakDetector.builder().self()}, the library's jars
 * on the class path) from the end of the warm-up and prints the final report's counts and the CPU
 * time of the detector's threads (named {@code leakdetector-…}) during the measured phase.
 *
 * <p>Usage: java NativeChurn THREADS OPS GO_FILE [self]
 */
public final class NativeChurn {
  private static final int POOL = 32;
  private static final int LEAK_EVERY = 1000;
  private static final Unsafe UNSAFE = unsafe();
  private static final List<Deflater> kept = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[0]);
    long ops = Long.parseLong(args[1]);
    Path go = Path.of(args[2]);
    boolean self = args.length > 3 && args[3].equals("self");

    run(threads, ops / 10);
    LeakSession session = null;
    AtomicReference<LeakSnapshot> last = new AtomicReference<>();
    if (self) {
      session =
          LeakDetector.builder()
              .self()
              .sourceOption("uprobes.mode", "bpf")
              .topN(3)
              .debuginfod(false)
              .build()
              .open();
      session.subscribe(snapshot -> last.set(snapshot));
      session.start();
    }
    System.out.println("waiting pid " + ProcessHandle.current().pid());
    while (!Files.exists(go)) {
      Thread.sleep(1);
    }
    long cpu0 = detectorCpuNanos();
    long t0 = System.nanoTime();
    run(threads, ops);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long cpu = detectorCpuNanos() - cpu0;
    System.out.printf(
        "result ops_per_s=%.0f seconds=%.2f kept=%d%n", threads * ops / seconds, seconds, kept.size());
    if (session != null) {
      session.stop(); // delivers the final snapshot, drained, to the subscriber
      System.out.printf(
          "self reader_cpu_percent=%.1f allocs=%d frees=%d outstanding=%d lost=%d excluded=%d%n",
          100.0 * cpu / 1e9 / seconds,
          last.get().totals().allocCount(),
          last.get().totals().freeCount(),
          last.get().totals().outstandingCount(),
          last.get().counts().lostEvents(),
          last.get().sourceCounters().getOrDefault("excludedEvents", 0L));
      session.close();
    }
  }

  /** THREADS threads doing OPS operations each; returns when all are done. */
  private static void run(int threads, long ops) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      new Thread(
              () -> {
                churn(ops);
                done.countDown();
              },
              "churn-" + t)
          .start();
    }
    done.await();
  }

  private static void churn(long ops) {
    ByteBuffer[] pool = new ByteBuffer[POOL];
    for (int i = 0; i < POOL; i++) {
      pool[i] = ByteBuffer.allocateDirect(size(i));
    }
    for (long i = 0; i < ops; i++) {
      Deflater deflater = new Deflater();
      if (i % LEAK_EVERY == LEAK_EVERY - 1) {
        synchronized (kept) {
          kept.add(deflater);
        }
      } else {
        deflater.end();
      }
      new Inflater().end();
      int slot = (int) (i % POOL);
      ByteBuffer fresh = ByteBuffer.allocateDirect(size(slot));
      UNSAFE.invokeCleaner(pool[slot]);
      pool[slot] = fresh;
    }
    for (ByteBuffer buffer : pool) {
      UNSAFE.invokeCleaner(buffer);
    }
  }

  /** 1, 2, 4, 8 or 16 KiB. */
  private static int size(int slot) {
    return 1024 << (slot % 5);
  }

  /** CPU time of the detector's live threads (the source's reader, the session's reporter). */
  private static long detectorCpuNanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("leakdetector-")) {
        sum += Math.max(0, mx.getThreadCpuTime(thread.getId()));
      }
    }
    return sum;
  }

  private static Unsafe unsafe() {
    try {
      Field field = Unsafe.class.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      return (Unsafe) field.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
