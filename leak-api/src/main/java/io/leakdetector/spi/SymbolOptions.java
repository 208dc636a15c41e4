package io.leakdetector.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a symbol resolver is asked to work.
 *
 * @param includeKernelFrames whether kernel addresses should be resolved too
 * @param debuginfod whether debug files missing on this machine may be fetched from the debuginfod
 *     servers named by {@code DEBUGINFOD_URLS} (Linux); {@code false} means no network lookups at
 *     all. With {@code true} and no {@code DEBUGINFOD_URLS} nothing is fetched either.
 * @param debuginfodTimeout how long a debuginfod server may take to accept the connection and to
 *     answer a request; empty: {@code DEBUGINFOD_TIMEOUT} (seconds) when set, else {@link
 *     #DEFAULT_DEBUGINFOD_TIMEOUT}
 */
public record SymbolOptions(
    boolean includeKernelFrames, boolean debuginfod, Optional<Duration> debuginfodTimeout) {

  /**
   * A debuginfod server's time to connect and to answer unless {@code DEBUGINFOD_TIMEOUT} says
   * otherwise: shorter than elfutils' 90 s, since a download only ever names frames late, never
   * holds a report back.
   */
  public static final Duration DEFAULT_DEBUGINFOD_TIMEOUT = Duration.ofSeconds(10);

  /** User frames only, debuginfod allowed, its timeout from the environment or the default. */
  public static final SymbolOptions DEFAULTS = new SymbolOptions(false, true, Optional.empty());

  public SymbolOptions {
    Objects.requireNonNull(debuginfodTimeout, "debuginfodTimeout");
    debuginfodTimeout.ifPresent(
        t -> {
          if (t.isNegative() || t.isZero()) {
            throw new IllegalArgumentException("debuginfod timeout must be positive: " + t);
          }
        });
  }
}
