package io.leakdetector.spi;

import java.util.List;

/** What to trace: a running process, or a command to launch and trace from its first event. */
public sealed interface TargetSpec {

  /** A running process. */
  record Pid(long pid) implements TargetSpec {}

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
