package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HeapIndexTest {
  private final HeapIndex index = new HeapIndex();

  @Test
  void heapZeroIsIndexZeroAndOthersGetSmallDistinctIndexes() {
    assertThat(index.find(0)).isZero();
    assertThat(index.find(0x7FF6_0000_0000L)).isEqualTo(HeapIndex.UNKNOWN);
    int a = index.findOrAdd(0x7FF6_0000_0000L);
    int b = index.findOrAdd(0x7FF6_1000_0000L);
    assertThat(a).isEqualTo(1);
    assertThat(b).isEqualTo(2);
    assertThat(index.findOrAdd(0x7FF6_0000_0000L)).isEqualTo(a);
    assertThat(index.find(0x7FF6_1000_0000L)).isEqualTo(b);
  }

  @Test
  void releasedIndexesAreReusedAndTheOthersStayFindable() {
    SplittableRandom random = new SplittableRandom(5);
    Map<Long, Integer> model = new HashMap<>();
    for (int step = 0; step < 50_000; step++) {
      long heap = 0x10000L * (1 + random.nextInt(3000));
      if (random.nextInt(3) == 0) {
        index.release(heap);
        model.remove(heap);
      } else {
        int i = index.findOrAdd(heap);
        Integer known = model.putIfAbsent(heap, i);
        assertThat(i).isEqualTo(known == null ? i : known);
      }
    }
    Set<Integer> used = new HashSet<>();
    for (Map.Entry<Long, Integer> e : model.entrySet()) {
      assertThat(index.find(e.getKey())).isEqualTo(e.getValue());
      assertThat(used.add(e.getValue())).as("indexes of live heaps are distinct").isTrue();
    }
    // Reuse keeps the indexes small: never more than the most heaps alive at once.
    assertThat(used).allMatch(i -> i >= 1 && i <= 3000);
  }
}
