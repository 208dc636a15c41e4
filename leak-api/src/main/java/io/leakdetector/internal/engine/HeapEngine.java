package io.leakdetector.internal.engine;

import io.leakdetector.spi.HeapEventSink;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The aggregation engine: keeps every outstanding allocation and, per call stack, counters kept up
 * to date as events arrive, and hands out consistent snapshots to any thread.
 *
 * <p>Parts: a {@link StackTable} interns stacks to dense ids; an {@link AllocationTable} holds the
 * outstanding blocks by (heap, address); {@link StackCounters} hold, per stack id, allocations,
 * frees and their bytes; a {@link Snapshotter} turns a copy of those counters into a snapshot.
 * Nothing is allocated per event except when a table grows.
 *
 * <p>Semantics:
 *
 * <ul>
 *   <li>A free of an unknown address counts as an unmatched free, never an error.
 *   <li>An allocation at an address that is still live is an implied free of the old block
 *       (counted, and counted as a free of the old block's stack).
 *   <li>A realloc frees the old block (an unknown one is an unmatched free; old address 0 is a
 *       plain allocation) and allocates the new one on the realloc's stack, in place when the
 *       address is kept. A new address of 0 with a new size of 0 is a plain free; with a non-zero
 *       size it is a failed realloc and the old block stays.
 *   <li>An allocation at address 0 (a failed allocation) and a free of address 0 are ignored.
 *   <li>A heap destroy frees every block of that heap.
 *   <li>Blocks outside the configured size range are tracked, so that their frees match, but are
 *       not counted anywhere.
 *   <li>With stacks split by thread, a stack is its frames and the allocating thread's name. The
 *       allocations of a thread the filter leaves out go to one frameless stack per such name,
 *       tracked so that their frees match (a free is matched by address, whatever thread frees),
 *       and are left out of the totals and the reported stacks; their number is reported as
 *       filtered.
 *   <li>When memory runs short (an array cannot grow) the allocation is not recorded and counts as
 *       dropped; a stack that cannot be interned gets id -1, and an allocation on stack -1 counts
 *       as dropped too.
 * </ul>
 *
 * <p>Threads: events come from one thread at a time; they take a fair lock per event, or once per
 * burst between {@link #beginBatch()} and {@link #endBatch()}. {@link #snapshot} takes the same
 * lock only to copy the per-stack counters (O(stacks); O(blocks) with an age filter) and selects
 * the stacks after releasing it, so a snapshot never sees a half-applied event and its totals
 * always equal the sum over all stacks. {@link #onLost} may come from any thread.
 *
 * <p>Allocation times are kept in ticks of 2<sup>23</sup> ns (about 8 ms), rounded up, relative to
 * the engine's creation (a range of ±200 days), so the age filter never counts a block as older
 * than it is.
 */
public final class HeapEngine implements HeapEventSink {
  private static final int TICK_SHIFT = 23;
  private static final long MAX_TICK_DELTA = (long) Integer.MAX_VALUE << TICK_SHIFT;
  private static final long MIN_TICK_DELTA = (long) Integer.MIN_VALUE << TICK_SHIFT;
  private static final int INITIAL_BLOCKS = 1 << 12;

  private final long minSize;
  private final long maxSize;
  private final long origin;
  private final ReentrantLock lock = new ReentrantLock(true);
  private final ReentrantLock snapshotLock = new ReentrantLock();
  private final StackTable stacks = new StackTable();
  private final boolean byThread;
  private final ThreadNameTable threadNames;
  private final StackCounters counters = new StackCounters();
  private final AllocationTable blocks;
  private final HeapIndex heaps = new HeapIndex();
  private final Snapshotter snapshotter = new Snapshotter();
  private final AllocationTable.DroppedBlock destroyed = this::countFree;
  private final AtomicLong lost = new AtomicLong();
  private long unmatched;
  private long implied;
  private long dropped;
  private int batchDepth;
  private volatile long lastSnapshotLockNanos;

  public HeapEngine(EngineConfig config) {
    this(config, INITIAL_BLOCKS, AllocationTable.MAX_CAPACITY);
  }

  /** An engine whose allocation table starts and stays within the given numbers of slots. */
  HeapEngine(EngineConfig config, int initialBlockCapacity, int maxBlockCapacity) {
    this.minSize = config.minSize();
    this.maxSize = config.maxSize();
    this.byThread = config.byThread();
    this.threadNames = new ThreadNameTable(config.threads());
    this.origin = System.nanoTime();
    this.blocks = new AllocationTable(initialBlockCapacity, maxBlockCapacity);
  }

  @Override
  public int internStack(long[] frames, int offset, int length) {
    return internStack(frames, offset, length, 0);
  }

  @Override
  public boolean splitsByThread() {
    return byThread;
  }

  @Override
  public int internThreadName(String name) {
    if (!byThread) {
      return 0;
    }
    if (batchDepth > 0) {
      return threadNames.intern(name);
    }
    lock.lock();
    try {
      return threadNames.intern(name);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int internStack(long[] frames, int offset, int length, int threadNameId) {
    if (!byThread) {
      threadNameId = 0;
    } else if (threadNames.excluded(threadNameId)) {
      length = 0;
    }
    int found = stacks.find(frames, offset, length, threadNameId);
    if (found >= 0) {
      return found;
    }
    if (batchDepth > 0) {
      return addStack(found, frames, offset, length, threadNameId);
    }
    lock.lock();
    try {
      return addStack(found, frames, offset, length, threadNameId);
    } finally {
      lock.unlock();
    }
  }

  private int addStack(int notFound, long[] frames, int offset, int length, int threadNameId) {
    if (!counters.ensure(stacks.count() + 1)) {
      return -1;
    }
    return stacks.add(notFound, frames, offset, length, threadNameId);
  }

  @Override
  public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
    if (address == 0) {
      return;
    }
    if (batchDepth > 0) {
      alloc(timeNanos, heap, address, size, stackId);
      return;
    }
    lock.lock();
    try {
      alloc(timeNanos, heap, address, size, stackId);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onFree(long timeNanos, long heap, long address) {
    if (address == 0) {
      return;
    }
    if (batchDepth > 0) {
      free(heap, address);
      return;
    }
    lock.lock();
    try {
      free(heap, address);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onRealloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId) {
    if (batchDepth > 0) {
      realloc(timeNanos, heap, oldAddress, newAddress, newSize, stackId);
      return;
    }
    lock.lock();
    try {
      realloc(timeNanos, heap, oldAddress, newAddress, newSize, stackId);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onHeapDestroy(long timeNanos, long heap) {
    if (batchDepth > 0) {
      destroyHeap(heap);
      return;
    }
    lock.lock();
    try {
      destroyHeap(heap);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onLost(long count) {
    lost.addAndGet(count);
  }

  @Override
  public void beginBatch() {
    if (batchDepth++ == 0) {
      lock.lock();
    }
  }

  @Override
  public void endBatch() {
    if (batchDepth > 0 && --batchDepth == 0) {
      lock.unlock();
    }
  }

  private boolean included(long size) {
    return size >= minSize && size <= maxSize;
  }

  private void countFree(long size, int stackId) {
    if (included(size)) {
      counters.free(stackId, size);
    }
  }

  private void checkStack(int stackId) {
    if (stackId >= stacks.count()) {
      throw new IllegalArgumentException("stack id " + stackId + " was never interned");
    }
  }

  private int tick(long timeNanos) {
    long delta = timeNanos - origin;
    if (delta >= MAX_TICK_DELTA) {
      return Integer.MAX_VALUE;
    }
    if (delta <= MIN_TICK_DELTA) {
      return Integer.MIN_VALUE;
    }
    return (int) ((delta + (1L << TICK_SHIFT) - 1) >> TICK_SHIFT);
  }

  private void alloc(long timeNanos, long heap, long address, long size, int stackId) {
    checkStack(stackId);
    int heapIndex = heap == 0 ? 0 : heaps.findOrAdd(heap);
    if (heapIndex == HeapIndex.UNKNOWN) {
      dropped++;
      return;
    }
    int slot = blocks.locate(heapIndex, address);
    if (slot >= 0) {
      allocOverLiveBlock(slot, timeNanos, size, stackId);
      return;
    }
    if (stackId < 0 || !blocks.insert(slot, heapIndex, address, size, stackId, tick(timeNanos))) {
      dropped++;
      return;
    }
    if (included(size)) {
      counters.alloc(stackId, size);
    }
  }

  private void allocOverLiveBlock(int slot, long timeNanos, long size, int stackId) {
    implied++;
    countFree(blocks.sizeAt(slot), blocks.stackAt(slot));
    storeInPlace(slot, timeNanos, size, stackId);
  }

  /** Puts a new block in the slot of one just counted as freed. */
  private void storeInPlace(int slot, long timeNanos, long size, int stackId) {
    if (stackId < 0) {
      blocks.removeAt(slot);
      dropped++;
      return;
    }
    if (!blocks.replace(slot, size, stackId, tick(timeNanos))) {
      dropped++;
      return;
    }
    if (included(size)) {
      counters.alloc(stackId, size);
    }
  }

  private void free(long heap, long address) {
    int heapIndex = heaps.find(heap);
    if (heapIndex == HeapIndex.UNKNOWN) {
      unmatched++;
      return;
    }
    int slot = blocks.locate(heapIndex, address);
    if (slot < 0) {
      unmatched++;
      return;
    }
    countFree(blocks.sizeAt(slot), blocks.stackAt(slot));
    blocks.removeAt(slot);
  }

  private void realloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId) {
    if (newAddress == 0) {
      if (newSize == 0 && oldAddress != 0) {
        free(heap, oldAddress);
      }
      return;
    }
    if (oldAddress == newAddress) {
      checkStack(stackId);
      int heapIndex = heaps.find(heap);
      int slot = heapIndex == HeapIndex.UNKNOWN ? -1 : blocks.locate(heapIndex, oldAddress);
      if (slot >= 0) {
        countFree(blocks.sizeAt(slot), blocks.stackAt(slot));
        storeInPlace(slot, timeNanos, newSize, stackId);
        return;
      }
      unmatched++;
    } else if (oldAddress != 0) {
      free(heap, oldAddress);
    }
    alloc(timeNanos, heap, newAddress, newSize, stackId);
  }

  private void destroyHeap(long heap) {
    int heapIndex = heaps.find(heap);
    if (heapIndex == HeapIndex.UNKNOWN) {
      return;
    }
    blocks.removeHeap(heapIndex, destroyed);
    heaps.release(heap);
  }

  /**
   * A consistent snapshot: totals, event counts and the stacks the query selects. May be called
   * from any thread while events keep coming; holds up the event thread only while the per-stack
   * counters are copied.
   */
  public EngineSnapshot snapshot(SnapshotQuery query) {
    boolean withAge = query.olderThanNanos() > 0;
    snapshotLock.lock();
    try {
      Snapshotter.Captured captured;
      // A racy read is fine here: it only sizes the scratch arrays ahead of taking the lock.
      snapshotter.prepare(stacks.count(), withAge);
      lock.lock();
      long lockedAt = System.nanoTime();
      try {
        int n = stacks.count();
        snapshotter.prepare(n, withAge);
        counters.copyTo(snapshotter.counters, n);
        if (withAge) {
          countOldBlocks(query.nowNanos() - query.olderThanNanos());
        }
        captured =
            new Snapshotter.Captured(
                stacks.view(),
                threadNames.view(),
                withAge,
                lost.get(),
                unmatched,
                implied,
                dropped);
      } finally {
        lastSnapshotLockNanos = System.nanoTime() - lockedAt;
        lock.unlock();
      }
      return snapshotter.build(query, captured);
    } finally {
      snapshotLock.unlock();
    }
  }

  /** Counts, per stack, the blocks allocated at or before {@code bornBy}. Holds the lock. */
  private void countOldBlocks(long bornBy) {
    long cutoffTick = (bornBy - origin) >> TICK_SHIFT;
    long[] oldCount = snapshotter.oldCount;
    long[] oldBytes = snapshotter.oldBytes;
    AllocationTable table = blocks;
    for (int s = 0, capacity = table.capacity(); s < capacity; s++) {
      if (table.occupied(s) && table.tickAt(s) <= cutoffTick) {
        long size = table.sizeAt(s);
        if (included(size)) {
          int stackId = table.stackAt(s);
          oldCount[stackId]++;
          oldBytes[stackId] += size;
        }
      }
    }
  }

  /**
   * How long the latest snapshot held the engine's lock, that is how long it could hold up the
   * event thread, in nanoseconds.
   */
  public long lastSnapshotLockNanos() {
    return lastSnapshotLockNanos;
  }

  /** Outstanding blocks held, counted or not. For tests and benchmarks; holds the lock. */
  public int blockCount() {
    lock.lock();
    try {
      return blocks.size();
    } finally {
      lock.unlock();
    }
  }

  /** Distinct stacks interned. For tests and benchmarks; holds the lock. */
  public int stackCount() {
    lock.lock();
    try {
      return stacks.count();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Bytes of Java heap held by the engine's tables (array contents, without object headers or
   * snapshot scratch arrays). For benchmarks; holds the lock.
   */
  public long retainedBytes() {
    lock.lock();
    try {
      return blocks.retainedBytes() + stacks.retainedBytes() + counters.retainedBytes();
    } finally {
      lock.unlock();
    }
  }
}
