package io.leakdetector.bench;

import io.leakdetector.internal.engine.HeapEngine;
import java.util.SplittableRandom;

/**
 * Pre-generated input for the engine benchmarks, so that generating events costs nothing while the
 * engine is measured.
 *
 * <p>Stacks: {@code stackCount} distinct stacks of 16 to 32 frames in one flat array; the outer
 * frames are shared by many stacks (as {@code main} and its callers are), the inner ones vary.
 * Addresses: distinct, 16-byte aligned, scattered over 64 GiB (a bijection of a counter). Each
 * block's size (mostly 16 to 512 bytes, sometimes up to 64 KiB) and stack are functions of its
 * address, so an event stream can be replayed backwards exactly.
 *
 * <p>An event stream is three arrays: the address, the size ({@code -1}: a free) and the stack.
 */
final class Workload {
  static final long ADDRESS_BASE = 0x5555_0000_0000L;

  final long[] frames;
  final int[] stackOffset;
  final int[] stackLength;
  final int stackCount;

  Workload(int stackCount, long seed) {
    this.stackCount = stackCount;
    SplittableRandom random = new SplittableRandom(seed);
    stackOffset = new int[stackCount];
    stackLength = new int[stackCount];
    long[] shared = new long[8];
    for (int i = 0; i < shared.length; i++) {
      shared[i] = 0x5600_0000_0000L + random.nextInt(1 << 20);
    }
    frames = new long[stackCount * 32];
    int used = 0;
    for (int s = 0; s < stackCount; s++) {
      int depth = 16 + random.nextInt(17);
      stackOffset[s] = used;
      stackLength[s] = depth;
      for (int f = 0; f < depth; f++) {
        int fromOuter = depth - 1 - f;
        frames[used + f] =
            fromOuter < 4
                ? shared[fromOuter + (s & 1) * 4]
                : 0x7F00_0000_0000L + ((long) random.nextInt(64) << 24) + random.nextInt(1 << 22);
      }
      // Make every stack distinct for sure: its innermost frame carries its number.
      frames[used] = 0x7E00_0000_0000L + 16L * s;
      used += depth;
    }
  }

  /** The {@code i}-th distinct block address. */
  static long address(long i) {
    int x = (int) i;
    x *= 0x9E3779B1;
    x ^= x >>> 15;
    x *= 0x85EBCA6B;
    x ^= x >>> 13;
    return ADDRESS_BASE + ((x & 0xFFFF_FFFFL) << 4);
  }

  static int size(long address) {
    long h = address * 0xC2B2AE3D27D4EB4FL;
    int r = (int) (h >>> 40);
    return (r & 31) == 0 ? 512 + (r >>> 8) % 65_024 : 16 + (r >>> 8) % 497;
  }

  int stack(long address) {
    long h = address * 0x9E3779B97F4A7C15L;
    return (int) ((h >>> 32) % stackCount);
  }

  /** Interns stack {@code s} in {@code engine} as a source would. */
  int intern(HeapEngine engine, int s) {
    return engine.internStack(frames, stackOffset[s], stackLength[s]);
  }

  /** Interns every stack and returns their ids. */
  int[] internAll(HeapEngine engine) {
    int[] ids = new int[stackCount];
    for (int s = 0; s < stackCount; s++) {
      ids[s] = intern(engine, s);
    }
    return ids;
  }

  /** An event stream. */
  record Events(long[] address, int[] size, int[] stack) {
    int length() {
      return address.length;
    }
  }

  /** Blocks live at the start of a stream: addresses {@code address(0 .. live - 1)}. */
  static long[] liveSet(int live) {
    long[] addresses = new long[live];
    for (int i = 0; i < live; i++) {
      addresses[i] = address(i);
    }
    return addresses;
  }

  /** Allocates the given blocks in {@code engine}, as the state a stream starts from. */
  void prefill(HeapEngine engine, long[] live) {
    long time = System.nanoTime();
    engine.beginBatch();
    for (int i = 0; i < live.length; i++) {
      long a = live[i];
      engine.onAlloc(time, 0, a, size(a), intern(engine, stack(a)));
      if ((i & 1023) == 1023) {
        engine.endBatch();
        engine.beginBatch();
      }
    }
    engine.endBatch();
  }

  /**
   * A stream of {@code length} events starting from {@code live} blocks: each event is an
   * allocation with probability {@code allocShare}, else a free of a random live block. An
   * allocation takes a freed address again half the time (allocators reuse memory), else a new one.
   */
  Events mixed(int live, int length, double allocShare, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] liveAddresses = new long[live + length];
    System.arraycopy(liveSet(live), 0, liveAddresses, 0, live);
    int liveCount = live;
    long[] freed = new long[length];
    int freedCount = 0;
    long next = live;
    Events e = new Events(new long[length], new int[length], new int[length]);
    for (int i = 0; i < length; i++) {
      if (liveCount == 0 || random.nextDouble() < allocShare) {
        long a = freedCount > 0 && random.nextBoolean() ? freed[--freedCount] : address(next++);
        liveAddresses[liveCount++] = a;
        e.address[i] = a;
        e.size[i] = size(a);
        e.stack[i] = stack(a);
      } else {
        int victim = random.nextInt(liveCount);
        long a = liveAddresses[victim];
        liveAddresses[victim] = liveAddresses[--liveCount];
        freed[freedCount++] = a;
        e.address[i] = a;
        e.size[i] = -1;
      }
    }
    return e;
  }

  /**
   * A stream that can be replayed in a loop: {@code pairs} times a free of a random live block and
   * an allocation (of a freed address half the time), then the same steps undone in reverse order,
   * so that after one pass exactly the {@code live} starting blocks are live again. Half the events
   * allocate, half free; the number of live blocks stays within {@code live ± 1}.
   */
  Events steadyChurn(int live, int pairs, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] liveAddresses = liveSet(live);
    long[] dead = new long[pairs + 1];
    int deadCount = 0;
    long next = live;
    int length = 4 * pairs;
    Events e = new Events(new long[length], new int[length], new int[length]);
    long[] freedAt = new long[pairs];
    long[] allocatedAt = new long[pairs];
    for (int p = 0; p < pairs; p++) {
      int victim = random.nextInt(live);
      long x = liveAddresses[victim];
      dead[deadCount++] = x;
      long y;
      if (random.nextBoolean()) {
        int k = random.nextInt(deadCount);
        y = dead[k];
        dead[k] = dead[--deadCount];
      } else {
        y = address(next++);
      }
      liveAddresses[victim] = y;
      freedAt[p] = x;
      allocatedAt[p] = y;
    }
    int i = 0;
    for (int p = 0; p < pairs; p++) {
      i = put(e, i, freedAt[p], true);
      i = put(e, i, allocatedAt[p], false);
    }
    for (int p = pairs - 1; p >= 0; p--) {
      i = put(e, i, allocatedAt[p], true);
      i = put(e, i, freedAt[p], false);
    }
    return e;
  }

  private int put(Events e, int i, long address, boolean free) {
    e.address[i] = address;
    e.size[i] = free ? -1 : size(address);
    e.stack[i] = free ? 0 : stack(address);
    return i + 1;
  }
}
