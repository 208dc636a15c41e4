package io.leakdetector.uprobes.probe;

/**
 * The allocator entry points probed in each libc, and how their arguments and result become heap
 * events. Names that share an address and a kind (glibc: {@code aligned_alloc} = {@code memalign})
 * are probed once.
 */
public enum AllocatorFunction {
  MALLOC("malloc", Kind.SIZE_ARG0),
  CALLOC("calloc", Kind.CALLOC),
  REALLOC("realloc", Kind.REALLOC),
  REALLOCARRAY("reallocarray", Kind.REALLOCARRAY),
  FREE("free", Kind.FREE),
  POSIX_MEMALIGN("posix_memalign", Kind.POSIX_MEMALIGN),
  ALIGNED_ALLOC("aligned_alloc", Kind.SIZE_ARG1),
  MEMALIGN("memalign", Kind.SIZE_ARG1),
  VALLOC("valloc", Kind.SIZE_ARG0),
  /** Rounds the size up to a page; the requested size is what is reported. */
  PVALLOC("pvalloc", Kind.SIZE_ARG0);

  /** How a call becomes heap events. */
  public enum Kind {
    /** {@code p = f(size)}. */
    SIZE_ARG0,
    /** {@code p = f(alignment, size)}. */
    SIZE_ARG1,
    /** {@code p = calloc(n, m)}: n × m bytes. */
    CALLOC,
    /** {@code p = realloc(old, size)}. */
    REALLOC,
    /** {@code p = reallocarray(old, n, m)}. */
    REALLOCARRAY,
    /** {@code free(p)}: an entry probe only. */
    FREE,
    /** {@code r = posix_memalign(&p, alignment, size)}: the pointer comes back through memory. */
    POSIX_MEMALIGN
  }

  private final String symbol;
  private final Kind kind;

  AllocatorFunction(String symbol, Kind kind) {
    this.symbol = symbol;
    this.kind = kind;
  }

  public String symbol() {
    return symbol;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the function returns something worth a return probe. */
  public boolean hasReturnProbe() {
    return kind != Kind.FREE;
  }
}
