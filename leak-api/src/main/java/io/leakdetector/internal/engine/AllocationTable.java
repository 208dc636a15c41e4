package io.leakdetector.internal.engine;

/**
 * The outstanding blocks: an open-addressing hash table with linear probing over primitive arrays,
 * keyed by (heap index, address), holding each block's size, stack id and allocation tick.
 *
 * <p>Layout per slot: the address and a packed value (stack id in the high 32 bits, a size field in
 * the low 32 bits) side by side in one {@code long[]}, so a lookup touches one cache line; the tick
 * in an {@code int[]}; the heap index in a {@code char[]} that exists only once a block on a
 * non-zero heap index was stored (Linux never pays for it). That is 20 bytes a slot (22 with
 * heaps). Heap indexes are reused after a heap is destroyed, so 16 bits suffice unless more than 65
 * 535 heaps are alive at once; a block on a heap beyond that is refused (counted as dropped). Sizes
 * of 2 GiB and more go to a side array; the size field then holds the complement of their index
 * there.
 *
 * <p>The capacity is not a power of two: the table grows by half when it is three quarters full, so
 * the load stays between 1/2 and 3/4 and a block costs 27 to 40 bytes (29 to 44 with heaps). A
 * slot's home is {@code hash * capacity >> 32} (a multiply instead of a mask). Deletion is by
 * backward shift, so there are no tombstones and probe lengths do not decay with churn.
 *
 * <p>Address 0 marks an empty slot; callers never store it. When an array cannot grow (out of
 * memory, or the largest array Java allows) the table fills further, up to 15/16, and after that
 * {@link #insert} refuses: callers count that as a dropped allocation.
 *
 * <p>Not thread-safe: the engine guards it.
 */
final class AllocationTable {
  /** The largest capacity: the entries array holds two longs a slot. */
  static final int MAX_CAPACITY = (Integer.MAX_VALUE - 16) / 2;

  /** The largest heap index a block can have: the heap column holds 16 bits. */
  static final int MAX_HEAP_INDEX = Character.MAX_VALUE;

  private static final int MIN_CAPACITY = 16;
  private static final long SIZE_MASK = 0xFFFF_FFFFL;

  private long[] entries;
  private int[] ticks;
  private char[] heaps;
  private int capacity;
  private int size;
  private int growAt;
  private final int maxCapacity;

  private long[] bigSizes = new long[0];
  private int bigUsed;
  private int bigFreeHead = -1;

  AllocationTable(int initialCapacity) {
    this(initialCapacity, MAX_CAPACITY);
  }

  /** A table that never grows beyond {@code maxCapacity} slots, as if memory ran short there. */
  AllocationTable(int initialCapacity, int maxCapacity) {
    this.maxCapacity = Math.max(MIN_CAPACITY, Math.min(maxCapacity, MAX_CAPACITY));
    capacity = Math.max(MIN_CAPACITY, Math.min(initialCapacity, this.maxCapacity));
    entries = new long[2 * capacity];
    ticks = new int[capacity];
    growAt = loadLimit(capacity);
  }

  private static int loadLimit(int capacity) {
    return (int) ((long) capacity * 3 / 4);
  }

  private static int hardLimit(int capacity) {
    return capacity - Math.max(1, capacity / 16);
  }

  static int home(int heap, long address, int capacity) {
    long h = (address + heap * 0xC2B2AE3D27D4EB4FL) * 0x9E3779B97F4A7C15L;
    return (int) (((h >>> 32) * capacity) >>> 32);
  }

  /** Blocks held. */
  int size() {
    return size;
  }

  /** Slots; slot numbers run from 0 to this, exclusive. */
  int capacity() {
    return capacity;
  }

  /**
   * Finds a block.
   *
   * @return its slot, or {@code -1 - slot} of the empty slot where it would go
   */
  int locate(int heap, long address) {
    if (heaps != null) {
      return locateOnHeaps(heap, address);
    }
    if (heap != 0) {
      // No block was ever stored on a non-zero heap: only the empty slot is wanted.
      return emptySlot(heap, address);
    }
    long[] e = entries;
    int cap = capacity;
    int i = home(0, address, cap);
    while (true) {
      long key = e[2 * i];
      if (key == address) {
        return i;
      }
      if (key == 0) {
        return -1 - i;
      }
      i = ++i == cap ? 0 : i;
    }
  }

  private int locateOnHeaps(int heap, long address) {
    long[] e = entries;
    char[] hp = heaps;
    int cap = capacity;
    int i = home(heap, address, cap);
    while (true) {
      long key = e[2 * i];
      if (key == address && hp[i] == heap) {
        return i;
      }
      if (key == 0) {
        return -1 - i;
      }
      i = ++i == cap ? 0 : i;
    }
  }

  private int emptySlot(int heap, long address) {
    int cap = capacity;
    int i = home(heap, address, cap);
    while (entries[2 * i] != 0) {
      i = ++i == cap ? 0 : i;
    }
    return -1 - i;
  }

  /**
   * Stores a new block in the empty slot {@code locate} returned for it.
   *
   * @param notFound the negative result of {@link #locate} for this heap and address
   * @return false when memory ran short and the block was not stored
   */
  boolean insert(int notFound, int heap, long address, long size, int stackId, int tick) {
    int slot = -1 - notFound;
    if (heap > MAX_HEAP_INDEX) {
      return false;
    }
    if (this.size >= growAt || (heap != 0 && heaps == null)) {
      if (!makeRoom(heap)) {
        return false;
      }
      slot = -1 - locate(heap, address);
    }
    int sizeField = size >= 0 && size <= Integer.MAX_VALUE ? (int) size : bigSizeField(size);
    if (sizeField == Integer.MIN_VALUE) {
      return false;
    }
    entries[2 * slot] = address;
    entries[2 * slot + 1] = ((long) stackId << 32) | (sizeField & SIZE_MASK);
    ticks[slot] = tick;
    if (heaps != null) {
      heaps[slot] = (char) heap;
    }
    this.size++;
    return true;
  }

  private boolean makeRoom(int heap) {
    if (heap != 0 && heaps == null) {
      try {
        heaps = new char[capacity];
      } catch (OutOfMemoryError e) {
        return false;
      }
    }
    if (size < growAt) {
      return true;
    }
    if (grow()) {
      return true;
    }
    int hard = hardLimit(capacity);
    if (size >= hard) {
      return false;
    }
    growAt = Math.min(hard, size + Math.max(1, capacity / 64));
    return true;
  }

  private boolean grow() {
    int newCapacity = (int) Math.min((long) capacity + capacity / 2, maxCapacity);
    if (newCapacity <= capacity) {
      return false;
    }
    long[] newEntries;
    int[] newTicks;
    char[] newHeaps = null;
    try {
      newEntries = new long[2 * newCapacity];
      newTicks = new int[newCapacity];
      if (heaps != null) {
        newHeaps = new char[newCapacity];
      }
    } catch (OutOfMemoryError e) {
      return false;
    }
    long[] oldEntries = entries;
    int[] oldTicks = ticks;
    char[] oldHeaps = heaps;
    for (int s = 0; s < capacity; s++) {
      long address = oldEntries[2 * s];
      if (address == 0) {
        continue;
      }
      int heap = oldHeaps == null ? 0 : oldHeaps[s];
      int i = home(heap, address, newCapacity);
      while (newEntries[2 * i] != 0) {
        i = ++i == newCapacity ? 0 : i;
      }
      newEntries[2 * i] = address;
      newEntries[2 * i + 1] = oldEntries[2 * s + 1];
      newTicks[i] = oldTicks[s];
      if (newHeaps != null) {
        newHeaps[i] = (char) heap;
      }
    }
    entries = newEntries;
    ticks = newTicks;
    heaps = newHeaps;
    capacity = newCapacity;
    growAt = loadLimit(newCapacity);
    return true;
  }

  /** Replaces the block in {@code slot} by a new one at the same key. */
  boolean replace(int slot, long size, int stackId, int tick) {
    int sizeField = size >= 0 && size <= Integer.MAX_VALUE ? (int) size : bigSizeField(size);
    releaseBig(slot);
    if (sizeField == Integer.MIN_VALUE) {
      entries[2 * slot + 1] = 0;
      removeAt(slot);
      return false;
    }
    entries[2 * slot + 1] = ((long) stackId << 32) | (sizeField & SIZE_MASK);
    ticks[slot] = tick;
    return true;
  }

  /** Whether {@code slot} holds a block. */
  boolean occupied(int slot) {
    return entries[2 * slot] != 0;
  }

  long addressAt(int slot) {
    return entries[2 * slot];
  }

  int heapAt(int slot) {
    return heaps == null ? 0 : heaps[slot];
  }

  long sizeAt(int slot) {
    int field = (int) entries[2 * slot + 1];
    return field >= 0 ? field : bigSizes[~field];
  }

  int stackAt(int slot) {
    return (int) (entries[2 * slot + 1] >>> 32);
  }

  int tickAt(int slot) {
    return ticks[slot];
  }

  /** Removes the block in {@code slot}, shifting later blocks of its cluster back. */
  void removeAt(int slot) {
    releaseBig(slot);
    long[] e = entries;
    char[] hp = heaps;
    int cap = capacity;
    int hole = slot;
    int j = slot;
    while (true) {
      j = ++j == cap ? 0 : j;
      long address = e[2 * j];
      if (address == 0) {
        break;
      }
      int heap = hp == null ? 0 : hp[j];
      int home = home(heap, address, cap);
      int fromHome = j >= home ? j - home : j - home + cap;
      int fromHole = j >= hole ? j - hole : j - hole + cap;
      if (fromHome >= fromHole) {
        e[2 * hole] = address;
        e[2 * hole + 1] = e[2 * j + 1];
        ticks[hole] = ticks[j];
        if (hp != null) {
          hp[hole] = (char) heap;
        }
        hole = j;
      }
    }
    e[2 * hole] = 0;
    e[2 * hole + 1] = 0;
    size--;
  }

  /** Receives the blocks that {@link #removeHeap} drops. */
  interface DroppedBlock {
    void dropped(long size, int stackId);
  }

  /** Removes every block of {@code heap}, handing each to {@code sink}. O(capacity). */
  void removeHeap(int heap, DroppedBlock sink) {
    if (size == 0 || (heaps == null && heap != 0)) {
      return;
    }
    // A deletion can only move blocks into the slot just emptied or into slots already scanned
    // (from the start of the array, when a cluster wraps): so stay on a slot after deleting.
    int s = 0;
    while (s < capacity) {
      if (entries[2 * s] != 0 && heapAt(s) == heap) {
        sink.dropped(sizeAt(s), stackAt(s));
        removeAt(s);
      } else {
        s++;
      }
    }
  }

  /** Bytes of Java heap the table's arrays take (headers not counted). */
  long retainedBytes() {
    long bytes = 8L * entries.length + 4L * ticks.length + 8L * bigSizes.length;
    if (heaps != null) {
      bytes += 2L * heaps.length;
    }
    return bytes;
  }

  /**
   * The size field for a size of 2 GiB or more (or a negative one): the complement of its index in
   * the side array; {@link Integer#MIN_VALUE} when memory ran short.
   */
  private int bigSizeField(long size) {
    int index;
    if (bigFreeHead >= 0) {
      index = bigFreeHead;
      bigFreeHead = (int) bigSizes[index];
    } else {
      if (bigUsed == bigSizes.length) {
        try {
          bigSizes = java.util.Arrays.copyOf(bigSizes, Math.max(8, bigUsed * 2));
        } catch (OutOfMemoryError e) {
          return Integer.MIN_VALUE;
        }
      }
      index = bigUsed++;
    }
    bigSizes[index] = size;
    return ~index;
  }

  private void releaseBig(int slot) {
    int field = (int) entries[2 * slot + 1];
    if (field < 0) {
      int index = ~field;
      bigSizes[index] = bigFreeHead;
      bigFreeHead = index;
    }
  }
}
