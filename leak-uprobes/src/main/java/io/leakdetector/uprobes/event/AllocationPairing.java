package io.leakdetector.uprobes.event;

import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.uprobes.probe.AllocatorFunction.Kind;

/**
 * Turns time-ordered probe hits into heap events: pairs each return with its thread's pending entry
 * and applies the allocator's semantics.
 *
 * <ul>
 *   <li>{@code malloc}, {@code valloc}, {@code pvalloc}: an allocation of the requested size
 *       ({@code pvalloc} really rounds up to a page; the requested size is reported); {@code
 *       memalign}/{@code aligned_alloc}: of the second argument; {@code calloc(n, m)}: of n × m.
 *   <li>{@code realloc(p, n)}: {@code p == 0} is an allocation; a non-null result is a resize of
 *       {@code p}; a null result with {@code n == 0} is a free of {@code p}; any other null result
 *       is a failure and changes nothing. {@code reallocarray(p, n, m)} likewise with n × m.
 *   <li>{@code posix_memalign(&p, a, n)}: on success the pointer is read from the stack dump the
 *       return sample carries when {@code &p} lies in it (exact). Otherwise it is read from the
 *       process's memory now and compared with the second result register ({@code %rdx}, where the
 *       glibc builds measured leave it; aarch64 has none): equal values count as confirmed,
 *       anything else as inexact (the value read is used when it can be the result, else the
 *       register's), and neither being possible as unresolved (nothing reported).
 *   <li>{@code free(p)}: a free of {@code p} when non-null.
 * </ul>
 *
 * A probed call made while the same thread is inside another probed call (glibc's {@code
 * realloc(NULL, n)} calls {@code malloc}, {@code reallocarray} tail-calls {@code realloc}, {@code
 * realloc(p, 0)} calls {@code free}, {@code memalign} with a small alignment calls {@code malloc})
 * is part of the outer call and is not reported; the outer call's return reports the whole effect
 * once. Pending entries older than {@link #STALE_NANOS} are taken as calls whose return was lost,
 * and every pending entry is dropped after lost events.
 */
public final class AllocationPairing {

  /** Reads a 64-bit word of the target's memory (for posix_memalign outside the stack dump). */
  @FunctionalInterface
  public interface MemoryReader {
    /** The word at {@code address}, or {@code fallback} when it cannot be read. */
    long readLong(long address, long fallback);
  }

  /** Told when a thread's exit has been processed (all its earlier events are done). */
  @FunctionalInterface
  public interface ThreadExits {
    void threadExited(int tid);
  }

  /** A pending call older than this when its thread makes another call is taken as lost. */
  public static final long STALE_NANOS = 1_000_000_000L;

  private static final long UNREADABLE = 0x8000_0000_0000_0001L;

  /**
   * Above every user-space address: 2^56 with x86-64 5-level paging, at most 2^52 on arm64. Not
   * x86-64's usual 2^47: with 48-bit addresses aarch64 puts a PIE's heap near {@code 0xaaaa…} and
   * mmap'd memory near {@code 0xffff…}, above it.
   */
  private static final long USER_ADDRESS_LIMIT = 1L << 56;

  private final HeapEventSink sink;
  private final PendingCalls pending = new PendingCalls();
  private Kind[] kinds = new Kind[0];
  private final MemoryReader memory;
  private final ThreadExits exits;
  private ThreadNames threadNames;

  private long allocations;
  private long frees;
  private long reallocs;
  private long failedCalls;
  private long nestedCalls;
  private long unpairedReturns;
  private long staleEntries;
  private long lostEvents;
  private long execs;
  private long posixMemalignExact;
  private long posixMemalignConfirmed;
  private long posixMemalignInexact;
  private long posixMemalignUnresolved;

  public AllocationPairing(HeapEventSink sink, MemoryReader memory, ThreadExits exits) {
    this.sink = sink;
    this.memory = memory;
    this.exits = exits;
  }

  /** The kind of each probe site, by site index. */
  public void siteKinds(Kind[] siteKinds) {
    this.kinds = siteKinds.clone();
  }

  /**
   * Passes each allocation's thread name to the sink ({@link HeapEventSink#internStack(long[], int,
   * int, int)}), as {@code names} reads them; null (the default) passes none.
   */
  public void nameThreads(ThreadNames names) {
    this.threadNames = names;
  }

  /** Applies event {@code i} of {@code batch}. */
  public void process(EventBatch batch, int i) {
    int tid = batch.tid(i);
    long t = batch.time(i);
    switch (batch.type(i)) {
      case EventBatch.ENTRY -> entry(batch, i, tid, t);
      case EventBatch.RETURN -> ret(batch, i, tid, t);
      case EventBatch.LOST -> {
        lostEvents += batch.v0(i);
        sink.onLost(batch.v0(i));
        staleEntries += pending.clear();
      }
      case EventBatch.EXEC -> {
        // the old program's heap went with its address space
        execs++;
        staleEntries += pending.clear();
        sink.onHeapDestroy(t, 0);
      }
      case EventBatch.EXIT -> {
        staleEntries += pending.depth(tid);
        pending.removeThread(tid);
        if (threadNames != null) {
          threadNames.forget(tid);
        }
        exits.threadExited(tid);
      }
      default -> {}
    }
  }

  private void entry(EventBatch batch, int i, int tid, long t) {
    int site = batch.site(i);
    staleEntries += pending.dropOlderThan(tid, t - STALE_NANOS);
    if (kinds[site] == Kind.FREE) {
      if (pending.depth(tid) > 0) {
        nestedCalls++;
        return;
      }
      long p = batch.v0(i);
      if (p != 0) {
        frees++;
        sink.onFree(t, 0, p);
      }
      return;
    }
    pending.push(tid, site, batch.v0(i), batch.v1(i), batch.v2(i), t);
  }

  private void ret(EventBatch batch, int i, int tid, long t) {
    int site = batch.site(i);
    staleEntries += pending.dropOlderThan(tid, t - STALE_NANOS);
    int position = pending.pop(tid, site);
    if (position < 0) {
      unpairedReturns++;
      return;
    }
    staleEntries += pending.poppedDropped();
    if (position > 0) {
      nestedCalls++;
      return;
    }
    long result = batch.v0(i);
    long a0 = pending.poppedArg0();
    long a1 = pending.poppedArg1();
    long a2 = pending.poppedArg2();
    if (result == 0
        && kinds[site] != Kind.POSIX_MEMALIGN
        && kinds[site] != Kind.REALLOC
        && kinds[site] != Kind.REALLOCARRAY) {
      failedCalls++;
      return;
    }
    int stack =
        threadNames == null
            ? sink.internStack(batch.frames(), batch.frameAt(i), batch.frameCount(i))
            : sink.internStack(
                batch.frames(), batch.frameAt(i), batch.frameCount(i), threadNames.id(tid, t));
    switch (kinds[site]) {
      case SIZE_ARG0 -> alloc(t, result, a0, stack);
      case SIZE_ARG1 -> alloc(t, result, a1, stack);
      case CALLOC -> alloc(t, result, a0 * a1, stack);
      case REALLOC -> resize(t, a0, a1, result, stack);
      case REALLOCARRAY -> {
        long high = Math.multiplyHigh(a1, a2);
        resize(t, a0, high == 0 && a1 * a2 >= 0 ? a1 * a2 : -1, result, stack);
      }
      case POSIX_MEMALIGN -> posixMemalign(batch, i, t, (int) result, a0, a1, a2, stack);
      default -> {}
    }
  }

  private void alloc(long t, long address, long size, int stack) {
    if (address == 0) {
      failedCalls++;
      return;
    }
    allocations++;
    sink.onAlloc(t, 0, address, size, stack);
  }

  private void resize(long t, long old, long size, long result, int stack) {
    if (old == 0) {
      alloc(t, result, size, stack);
    } else if (result != 0) {
      reallocs++;
      sink.onRealloc(t, 0, old, result, size, stack);
    } else if (size == 0) {
      frees++;
      sink.onFree(t, 0, old);
    } else {
      failedCalls++;
    }
  }

  private void posixMemalign(
      EventBatch batch,
      int i,
      long t,
      int result,
      long memptr,
      long alignment,
      long size,
      int stack) {
    if (result != 0) {
      failedCalls++;
      return;
    }
    long sp = batch.v1(i);
    long dumped = batch.v2(i);
    int at = batch.aux(i);
    if (at >= 0 && memptr >= sp && memptr - sp <= dumped - 8) {
      posixMemalignExact++;
      alloc(t, littleEndianLong(batch.dumps(), at + (int) (memptr - sp)), size, stack);
      return;
    }
    // memptr is not on the stack: read it now (it may have changed since the return) and compare
    // with the second result register, which held the pointer at the return in the glibc builds
    // measured but is not a documented place
    long read = memory.readLong(memptr, UNREADABLE);
    long register = batch.v3(i);
    boolean readPlausible = read != UNREADABLE && plausible(read, alignment);
    if (readPlausible && read == register) {
      posixMemalignConfirmed++;
      alloc(t, read, size, stack);
    } else if (readPlausible) {
      posixMemalignInexact++;
      alloc(t, read, size, stack);
    } else if (plausible(register, alignment)) {
      posixMemalignInexact++;
      alloc(t, register, size, stack);
    } else {
      posixMemalignUnresolved++;
    }
  }

  /** A user-space address aligned as asked: what posix_memalign can have returned. */
  private static boolean plausible(long pointer, long alignment) {
    return pointer >= 4096
        && pointer < USER_ADDRESS_LIMIT
        && alignment > 0
        && Long.bitCount(alignment) == 1
        && (pointer & (alignment - 1)) == 0;
  }

  private static long littleEndianLong(byte[] b, int at) {
    long v = 0;
    for (int k = 7; k >= 0; k--) {
      v = (v << 8) | (b[at + k] & 0xFF);
    }
    return v;
  }

  /** Puts the pairing's counters, by name, into {@code counters}. */
  public void putCounters(java.util.Map<String, Long> counters) {
    counters.put("lostEvents", lostEvents);
    counters.put("allocations", allocations);
    counters.put("frees", frees);
    counters.put("reallocs", reallocs);
    counters.put("failedCalls", failedCalls);
    counters.put("nestedCalls", nestedCalls);
    counters.put("unpairedReturns", unpairedReturns);
    counters.put("staleEntries", staleEntries);
    counters.put("pendingOverflows", pending.overflows());
    counters.put("execs", execs);
    counters.put("posixMemalignExact", posixMemalignExact);
    counters.put("posixMemalignConfirmed", posixMemalignConfirmed);
    counters.put("posixMemalignInexact", posixMemalignInexact);
    counters.put("posixMemalignUnresolved", posixMemalignUnresolved);
    if (threadNames != null) {
      threadNames.putCounters(counters);
    }
  }

  public long allocations() {
    return allocations;
  }

  public long frees() {
    return frees;
  }

  public long reallocs() {
    return reallocs;
  }

  public long failedCalls() {
    return failedCalls;
  }

  public long nestedCalls() {
    return nestedCalls;
  }

  public long unpairedReturns() {
    return unpairedReturns;
  }

  public long staleEntries() {
    return staleEntries;
  }

  /** Programs the process started (exec) while traced. */
  public long execs() {
    return execs;
  }

  public long lostEvents() {
    return lostEvents;
  }

  public long posixMemalignExact() {
    return posixMemalignExact;
  }

  public long posixMemalignConfirmed() {
    return posixMemalignConfirmed;
  }

  public long posixMemalignInexact() {
    return posixMemalignInexact;
  }

  public long posixMemalignUnresolved() {
    return posixMemalignUnresolved;
  }

  public long pendingOverflows() {
    return pending.overflows();
  }
}
