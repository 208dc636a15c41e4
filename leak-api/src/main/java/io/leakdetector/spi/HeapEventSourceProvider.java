package io.leakdetector.spi;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;
import java.util.List;

/** Creates heap event sources of one kind; found with {@link java.util.ServiceLoader}. */
public interface HeapEventSourceProvider {

  /** The source's name, as {@code --source} takes it ({@code uprobes}, {@code etw}). */
  String name();

  /** Whether this source can trace on this machine now, and if not why. */
  Availability availability();

  /** The running processes whose executable is called {@code name}. */
  List<TargetProcess> findProcesses(String name) throws LeakDetectorException;

  /** Attaches to the process, or launches the command held before its first instruction. */
  HeapEventSource open(SourceRequest request) throws LeakDetectorException;
}
