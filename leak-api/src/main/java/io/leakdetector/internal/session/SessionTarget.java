package io.leakdetector.internal.session;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.TargetProcesses;
import io.leakdetector.spi.TargetSpec;

/** What the source is asked to trace: the command to launch, the named process or the pid. */
final class SessionTarget {
  private SessionTarget() {}

  static TargetSpec resolve(SessionConfig config, HeapEventSourceProvider provider)
      throws LeakDetectorException {
    if (!config.command().isEmpty()) {
      return new TargetSpec.Launch(config.command());
    }
    if (config.self()) {
      return new TargetSpec.Self();
    }
    if (config.processName() != null) {
      return new TargetSpec.Pid(TargetProcesses.findOne(provider, config.processName()).pid());
    }
    TargetProcesses.requireRunning(config.pid());
    return new TargetSpec.Pid(config.pid());
  }
}
