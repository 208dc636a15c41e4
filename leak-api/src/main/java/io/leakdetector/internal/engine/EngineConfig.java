package io.leakdetector.internal.engine;

/**
 * Settings fixed for an engine's life.
 *
 * @param minSize allocations smaller than this are tracked (so their frees match) but never
 *     reported nor counted in the totals
 * @param maxSize likewise for allocations larger than this ({@link Long#MAX_VALUE}: no limit)
 */
public record EngineConfig(long minSize, long maxSize) {
  public static final EngineConfig DEFAULT = new EngineConfig(0, Long.MAX_VALUE);
}
