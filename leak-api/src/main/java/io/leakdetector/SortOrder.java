package io.leakdetector;

/** The order in which a report lists its stacks, largest first. */
public enum SortOrder {
  /** Outstanding allocations: the original tool's order, and the default. */
  COUNT,
  /** Outstanding bytes. */
  BYTES,
  /** Growth of outstanding bytes since the previous periodic snapshot. */
  GROWTH
}
