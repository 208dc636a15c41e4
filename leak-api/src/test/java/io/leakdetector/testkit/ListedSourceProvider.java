package io.leakdetector.testkit;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SourceRequest;
import java.util.List;

/**
 * A source provider for tests: a name, an availability, the processes it lists (found by exact
 * name), and what opening does.
 *
 * @param opener what {@link #open} does; {@link #notOpened} fails the test if it is ever called
 */
public record ListedSourceProvider(
    String name, Availability availability, List<TargetProcess> processes, Opener opener)
    implements HeapEventSourceProvider {

  /** What opening a source does in a test. */
  @FunctionalInterface
  public interface Opener {
    HeapEventSource open(SourceRequest request) throws LeakDetectorException;
  }

  /** A provider for tests that only choose a source or look processes up. */
  public static ListedSourceProvider notOpened(
      String name, Availability availability, List<TargetProcess> processes) {
    return new ListedSourceProvider(
        name,
        availability,
        processes,
        request -> {
          throw new AssertionError("this test does not open a source, yet " + name + " was opened");
        });
  }

  @Override
  public List<TargetProcess> findProcesses(String processName) {
    return processes.stream().filter(p -> p.name().equals(processName)).toList();
  }

  @Override
  public HeapEventSource open(SourceRequest request) throws LeakDetectorException {
    return opener.open(request);
  }
}
