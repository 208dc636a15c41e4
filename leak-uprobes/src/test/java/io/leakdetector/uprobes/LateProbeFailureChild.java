package io.leakdetector.uprobes;

import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.RecordingSink;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tracer run in a child JVM by {@link LateProbeFailureTest}, so that it can use up its own file
 * descriptors. Arguments: PID, and how many descriptors to leave free. On stdin:
 *
 * <ul>
 *   <li>(at start) attaches to PID, starts, prints {@code tracing};
 *   <li>{@code exhaust}: opens {@code /dev/null} until the process limit refuses, closes the last
 *       few again, prints {@code exhausted N};
 *   <li>{@code report}: waits until the source has probed a libc late or failed to, prints {@code
 *       counters {…} error=<last error>};
 *   <li>{@code exit} or end of input: exits (the kernel closes the events).
 * </ul>
 */
public final class LateProbeFailureChild {
  private LateProbeFailureChild() {}

  public static void main(String[] args) throws Exception {
    long pid = Long.parseLong(args[0]);
    int leaveFree = Integer.parseInt(args[1]);
    String mode = args[2];
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    HeapEventSource source =
        new UprobesSourceProvider()
            .open(new SourceRequest(new TargetSpec.Pid(pid), false, Map.of("uprobes.mode", mode)));
    RecordingSink sink = new RecordingSink(-1);
    source.start(sink, sink);
    // looked up now: once the descriptors are used up no further class can be loaded
    java.lang.reflect.Method lastError = source.getClass().getDeclaredMethod("lastThreadError");
    lastError.setAccessible(true);
    System.out.println("tracing");
    List<FileInputStream> held = new ArrayList<>();
    String line;
    while ((line = in.readLine()) != null) {
      switch (line) {
        case "exhaust" -> {
          try {
            while (held.size() < 1_000_000) {
              held.add(new FileInputStream("/dev/null"));
            }
          } catch (IOException e) {
            // the limit: EMFILE
          }
          for (int i = 0; i < leaveFree && !held.isEmpty(); i++) {
            held.remove(held.size() - 1).close();
          }
          System.out.println("exhausted " + held.size());
        }
        case "report" -> {
          long deadline = System.nanoTime() + 30_000_000_000L;
          while (source.counters().get("libcsProbedLate") == 0
              && source.counters().get("lateProbeFailures") == 0
              && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
          }
          System.out.println(
              "counters "
                  + source.counters()
                  + " inexact="
                  + io.leakdetector.EventCounts.NONE
                      .withSourceCauses(source.inexactWhenNonZero(), source.counters())
                      .sourceCauses()
                      .keySet()
                  + " error="
                  + lastError.invoke(source));
        }
        case "exit" -> Runtime.getRuntime().halt(0);
        default -> throw new IllegalArgumentException(line);
      }
    }
    Runtime.getRuntime().halt(0);
  }
}
