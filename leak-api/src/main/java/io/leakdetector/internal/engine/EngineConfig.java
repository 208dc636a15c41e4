package io.leakdetector.internal.engine;

import java.util.regex.Pattern;

/**
 * Settings fixed for an engine's life.
 *
 * @param minSize allocations smaller than this are tracked (so their frees match) but never
 *     reported nor counted in the totals
 * @param maxSize likewise for allocations larger than this ({@link Long#MAX_VALUE}: no limit)
 * @param byThread whether stacks are split by the name of the thread that allocated
 * @param threads when not null, only allocations of threads whose name this finds are counted;
 *     those of other threads are tracked (so their frees match) and counted as filtered. Implies
 *     {@code byThread}
 */
public record EngineConfig(long minSize, long maxSize, boolean byThread, Pattern threads) {
  public static final EngineConfig DEFAULT = new EngineConfig(0, Long.MAX_VALUE);

  public EngineConfig {
    byThread = byThread || threads != null;
  }

  /** Settings without thread names. */
  public EngineConfig(long minSize, long maxSize) {
    this(minSize, maxSize, false, null);
  }
}
