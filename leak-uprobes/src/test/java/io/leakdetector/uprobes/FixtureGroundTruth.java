package io.leakdetector.uprobes;

import java.util.LinkedHashMap;
import java.util.Map;

/** What heap_fixture.c leaves outstanding, per function: {count, bytes}. */
final class FixtureGroundTruth {
  private FixtureGroundTruth() {}

  static Map<String, long[]> expected(long smallBlocks) {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put("leak_big_256k", new long[] {3, 3 * 262144});
    m.put("leak_realloc_grow", new long[] {5, 5 * 5000});
    m.put("leak_realloc_shrink", new long[] {4, 4 * 100});
    m.put("leak_realloc_move", new long[] {6, 3 * 64 + 3 * 4096});
    m.put("leak_realloc_inplace", new long[] {3, 3 * 900});
    m.put("leak_realloc_null", new long[] {2, 2 * 777});
    m.put("leak_reallocarray", new long[] {4, 2 * 500 + 2 * 600});
    m.put("leak_aligned_alloc", new long[] {3, 3 * 512});
    m.put("leak_memalign", new long[] {3, 3 * 1000});
    m.put("leak_posix_memalign", new long[] {4, 4 * 2048});
    m.put("leak_posix_memalign_heap", new long[] {2, 2 * 3000});
    m.put("leak_posix_memalign_global", new long[] {1, 1500});
    m.put("leak_calloc", new long[] {5, 5 * 999});
    m.put("leak_valloc", new long[] {2, 2 * 100});
    m.put("leak_pvalloc", new long[] {1, 100});
    m.put("leak_in_thread", new long[] {40, 40 * 111});
    if (smallBlocks > 0) {
      m.put("leak_many_small", new long[] {smallBlocks, smallBlocks * 16});
    }
    m.put("marker_done", new long[] {1, 777777});
    return m;
  }

  static final long MARKER_SIZE = 777777;
}
