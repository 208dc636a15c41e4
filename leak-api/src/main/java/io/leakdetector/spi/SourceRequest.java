package io.leakdetector.spi;

import java.util.Map;

/**
 * What a source is asked to trace, and how.
 *
 * @param target the process to attach to or the command to launch
 * @param includeKernelFrames whether stacks should carry kernel frames too
 * @param options source-specific settings by name (for example {@code uprobes.ring-kib})
 */
public record SourceRequest(
    TargetSpec target, boolean includeKernelFrames, Map<String, String> options) {
  public SourceRequest {
    options = Map.copyOf(options);
  }

  /** The option's value, or {@code defaultValue} when it is not set. */
  public String option(String name, String defaultValue) {
    return options.getOrDefault(name, defaultValue);
  }
}
