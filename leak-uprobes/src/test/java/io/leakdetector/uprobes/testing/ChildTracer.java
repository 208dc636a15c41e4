package io.leakdetector.uprobes.testing;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.ForwardingHeapEventSink;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.spi.TargetSpec;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tracer run in a child JVM by the tests (as another user, or to be killed with -9). Finds the
 * {@code uprobes} provider through the ServiceLoader like the command line does.
 *
 * <ul>
 *   <li>{@code availability}: prints {@code available=B reason=R};
 *   <li>{@code attach PID}: opens a source and prints {@code attached}, or {@code kind=K
 *       message=M};
 *   <li>{@code trace PID}: opens, starts, prints {@code tracing} and keeps tracing until killed.
 * </ul>
 */
public final class ChildTracer {
  private ChildTracer() {}

  public static void main(String[] args) throws Exception {
    HeapEventSourceProvider provider =
        ServiceLoader.load(HeapEventSourceProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("uprobes"))
            .findFirst()
            .orElseThrow();
    switch (args[0]) {
      case "availability" -> {
        Availability a = provider.availability();
        System.out.println("available=" + a.available() + " reason=" + a.reason());
      }
      case "attach" -> {
        try (HeapEventSource source = provider.open(request(args[1]))) {
          System.out.println("attached");
        } catch (LeakDetectorException e) {
          System.out.println("kind=" + e.kind() + " message=" + e.getMessage());
        }
      }
      case "design" -> {
        // which design this process's privileges give, as --list says it and as attaching runs it
        Availability a = provider.availability();
        try (HeapEventSource source = provider.open(request(args[1]))) {
          System.out.println("design=" + source.design() + " reason=" + a.reason());
        } catch (LeakDetectorException e) {
          System.out.println("kind=" + e.kind() + " message=" + e.getMessage());
        }
      }
      case "trace" -> {
        HeapEventSource source = provider.open(request(args[1]));
        AtomicLong events = new AtomicLong();
        source.start(counting(events), StreamListener.NONE);
        System.out.println("tracing");
        System.out.flush();
        while (true) {
          Thread.sleep(1000);
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static SourceRequest request(String pid) {
    return new SourceRequest(new TargetSpec.Pid(Long.parseLong(pid)), false, Map.of());
  }

  /** Counts allocations, frees and reallocs, and keeps nothing. */
  private static HeapEventSink counting(AtomicLong events) {
    return new ForwardingHeapEventSink(HeapEventSink.NONE) {
      @Override
      public void onAlloc(long t, long heap, long address, long size, int stack) {
        events.incrementAndGet();
      }

      @Override
      public void onFree(long t, long heap, long address) {
        events.incrementAndGet();
      }

      @Override
      public void onRealloc(long t, long heap, long old, long address, long size, int stack) {
        events.incrementAndGet();
      }
    };
  }
}
