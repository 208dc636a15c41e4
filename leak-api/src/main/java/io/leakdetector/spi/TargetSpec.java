package io.leakdetector.spi;

import java.util.List;

/**
 * What to trace: a running process, the process the caller runs in, or a command to launch and
 * trace from its first event.
 */
public sealed interface TargetSpec {

  /** A running process. */
  record Pid(long pid) implements TargetSpec {}

  /**
   * The process the caller runs in ({@code pid} is its own): the source attaches to it without
   * stopping it, and drops the events of the threads the session registers through {@link
   * HeapEventSource#excludeCurrentThread()}. A source that cannot trace its own process refuses it
   * with one sentence.
   */
  record Self(long pid) implements TargetSpec {
    /** This process. */
    public Self() {
      this(ProcessHandle.current().pid());
    }
  }

  /** A command to launch; tracing is on before its first instruction. */
  record Launch(List<String> command) implements TargetSpec {
    public Launch {
      command = List.copyOf(command);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("command is empty");
      }
    }
  }
}
