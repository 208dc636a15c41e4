import io.leakdetector.Frame;
import io.leakdetector.LeakDetector;
import io.leakdetector.LeakSession;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * JavaLeaks watching its own native heap (JavaStacksIT): traces the JVM it runs in with {@code
 * LeakDetector.builder().self()} around the leaks, then prints what it saw ({@link #report}).
 */
final class SelfWatch implements AutoCloseable {
  private final BlockingQueue<LeakSnapshot> reports = new ArrayBlockingQueue<>(1000);
  private final LeakSession session;

  SelfWatch() throws Exception {
    LeakDetector detector =
        LeakDetector.builder()
            .self()
            .interval(Duration.ofMillis(200))
            .topN(0)
            .skipFrames(List.of())
            .debuginfod(false)
            .exporter(reports::offer)
            .build();
    session = detector.open();
    session.start();
    take();
  }

  /**
   * Prints the stacks holding a frame of JavaLeaks once two reports after the leaks agree on them
   * (the reader may run behind): {@code stack COUNT MODULE|FUNCTION|FILE|LINE ;; …},
   * innermost first; then the blocks on stacks of threads the detector started ({@code detector N}:
   * they are excluded) and the source's counters.
   */
  void report() throws Exception {
    reports.clear();
    take();
    List<String> lines = lines(take());
    for (int i = 0; i < 100; i++) {
      List<String> next = lines(take());
      if (next.equals(lines)) {
        break;
      }
      lines = next;
    }
    lines.forEach(System.out::println);
  }

  private List<String> lines(LeakSnapshot snapshot) {
    List<String> lines = new ArrayList<>();
    long detector = 0;
    for (StackReport stack : snapshot.stacks()) {
      if (stack.frames().stream().anyMatch(f -> javaMethod(f, "JavaLeaks."))) {
        lines.add(
            "stack "
                + stack.outstandingCount()
                + " "
                + stack.frames().stream()
                    .map(f -> f.module() + "|" + f.function() + "|" + f.file() + "|" + f.line())
                    .collect(Collectors.joining(" ;; ")));
      }
      List<String> java =
          stack.frames().stream().filter(Frame::javaMethod).map(Frame::function).toList();
      // a thread the detector started: its code at the root, under Thread.run
      boolean detectorThread =
          !java.isEmpty()
              && java.get(java.size() - 1).equals("java.lang.Thread.run")
              && java.stream().anyMatch(f -> f.startsWith("io.leakdetector."));
      if (detectorThread) {
        detector += stack.outstandingCount();
      }
    }
    Collections.sort(lines);
    lines.add("detector " + detector);
    lines.add("excludedEvents " + snapshot.sourceCounters().getOrDefault("excludedEvents", -1L));
    lines.add("lostRecords " + snapshot.sourceCounters().getOrDefault("lostRecords", -1L));
    return lines;
  }

  private static boolean javaMethod(Frame frame, String prefix) {
    return frame.javaMethod() && frame.function().startsWith(prefix);
  }

  private LeakSnapshot take() throws InterruptedException {
    LeakSnapshot s = reports.poll(30, TimeUnit.SECONDS);
    if (s == null) {
      throw new IllegalStateException(
          "no report within 30 s; the session ended: " + session.endReason(), session.failure());
    }
    return s;
  }

  @Override
  public void close() {
    session.close();
  }
}
