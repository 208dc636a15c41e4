package io.leakdetector.uprobes.event;

import io.leakdetector.StackReport;
import io.leakdetector.spi.HeapEventSink;
import java.util.Arrays;

/**
 * The sink's id of each allocating thread's name, for a sink that splits stacks by thread: the name
 * is read once per thread id and kept in primitive arrays, so an allocation of a known thread costs
 * a map lookup and nothing is allocated.
 *
 * <p>A name is read again at the first allocation whose time is {@link #REFRESH_NANOS} past the
 * read, which covers a thread that names itself after it started (its first allocations may carry
 * the name it had when the record was read) and a thread id the kernel reuses for a new thread when
 * the source sees no exits (the BPF design): such a thread's allocations carry the old name for at
 * most that long. A source that sees exits {@link #forget}s the thread at its exit. A thread that
 * had exited when its name was to be read is {@value StackReport#EXITED_THREAD} and counted.
 *
 * <p>At most {@link #MAX_THREADS} threads are kept; beyond, the cache starts over (names are read
 * again as their threads allocate). Not thread-safe: the source's reader thread uses it.
 */
public final class ThreadNames {
  /** Reads a thread's name now. */
  @FunctionalInterface
  public interface Reader {
    /** The name of thread {@code tid}, or null when it has exited. */
    String read(int tid);
  }

  public static final long REFRESH_NANOS = 1_000_000_000L;
  static final int MAX_THREADS = 1 << 16;

  private final HeapEventSink sink;
  private final Reader reader;
  private final LongIntMap slotByTid = new LongIntMap(64);
  private int[] nameIds = new int[64];
  private long[] readAt = new long[64];
  private int slots;
  private long reads;
  private long exited;

  public ThreadNames(HeapEventSink sink, Reader reader) {
    this.sink = sink;
    this.reader = reader;
  }

  /** The sink's id of the name of thread {@code tid}, for an allocation at {@code timeNanos}. */
  public int id(int tid, long timeNanos) {
    long key = tid & 0xFFFF_FFFFL | 1L << 32;
    int s = slotByTid.get(key, -1);
    if (s >= 0 && timeNanos - readAt[s] < REFRESH_NANOS) {
      return nameIds[s];
    }
    if (s < 0) {
      s = newSlot(key);
    }
    String name = reader.read(tid);
    reads++;
    if (name == null) {
      exited++;
      name = StackReport.EXITED_THREAD;
    }
    nameIds[s] = sink.internThreadName(name);
    readAt[s] = System.nanoTime();
    return nameIds[s];
  }

  private int newSlot(long key) {
    if (slots == MAX_THREADS) {
      slotByTid.clear();
      slots = 0;
    }
    if (slots == nameIds.length) {
      nameIds = Arrays.copyOf(nameIds, slots * 2);
      readAt = Arrays.copyOf(readAt, slots * 2);
    }
    int s = slots++;
    slotByTid.put(key, s);
    return s;
  }

  /** Thread {@code tid} exited: a thread that gets its id later is read afresh. */
  public void forget(int tid) {
    slotByTid.remove(tid & 0xFFFF_FFFFL | 1L << 32, -1);
  }

  /** Puts the counters, by name, into {@code counters}. */
  public void putCounters(java.util.Map<String, Long> counters) {
    counters.put("threadNameReads", reads);
    counters.put("threadsExitedBeforeNamed", exited);
  }
}
