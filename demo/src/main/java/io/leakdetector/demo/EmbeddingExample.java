package io.leakdetector.demo;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetector;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakSession;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.StackReport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Embedding LeakDetector: trace a process for a few intervals and print each snapshot's top stack
 * through a custom exporter.
 *
 * <pre>
 * java -p …/lib -m io.leakdetector.demo/io.leakdetector.demo.EmbeddingExample [PID]
 * </pre>
 *
 * Without a PID it launches the native demo program bundled in this module.
 */
public final class EmbeddingExample {
  private EmbeddingExample() {}

  public static void main(String[] args) throws Exception {
    LeakDetector.Builder builder =
        LeakDetector.builder()
            .interval(Duration.ofSeconds(2))
            .reportCount(3)
            .topN(5)
            .exporter(new TopStackPrinter(System.out));
    if (args.length > 0) {
      builder.pid(Long.parseLong(args[0]));
    } else {
      Path dir = Files.createTempDirectory("leakdetector-demo");
      Path demo =
          NativeDemo.extractTo(dir)
              .orElseThrow(() -> new IllegalStateException("no native demo in this build"));
      dir.toFile().deleteOnExit();
      demo.toFile().deleteOnExit();
      builder.command(List.of(demo.toString(), "--rounds", "0", "--delay-ms", "500"));
    }
    try (LeakSession session = builder.build().open()) {
      session.start();
      session.awaitTermination();
      System.out.println("session ended: " + session.endReason());
      if (args.length == 0) {
        // A launched command outlives the session; the demo runs forever, so end it here.
        ProcessHandle.of(session.target().pid()).ifPresent(ProcessHandle::destroy);
      }
    } catch (LeakDetectorException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  /** A custom exporter: per snapshot, the totals and the stack holding the most bytes. */
  static final class TopStackPrinter implements SnapshotExporter {
    private final PrintStream out;

    TopStackPrinter(PrintStream out) {
      this.out = out;
    }

    @Override
    public void export(LeakSnapshot snapshot) {
      out.printf(
          "#%d %s: %d allocations outstanding, %d bytes%n",
          snapshot.sequence(),
          snapshot.target().name(),
          snapshot.totals().outstandingCount(),
          snapshot.totals().outstandingBytes());
      snapshot.stacks().stream()
          .max((a, b) -> Long.compare(a.outstandingBytes(), b.outstandingBytes()))
          .ifPresent(this::print);
    }

    private void print(StackReport stack) {
      out.printf(
          "  top stack: %d bytes in %d blocks%n",
          stack.outstandingBytes(), stack.outstandingCount());
      for (Frame frame : stack.frames()) {
        out.println("    " + frame.text());
      }
    }
  }
}
