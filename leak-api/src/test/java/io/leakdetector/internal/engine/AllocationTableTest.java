package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AllocationTableTest {

  private static boolean put(AllocationTable t, int heap, long address, long size, int stack) {
    int slot = t.locate(heap, address);
    assertThat(slot).isNegative();
    return t.insert(slot, heap, address, size, stack, 7);
  }

  @Test
  void storesFindsAndRemovesBlocks() {
    AllocationTable t = new AllocationTable(16);
    assertThat(put(t, 0, 0x1000, 10, 3)).isTrue();
    int slot = t.locate(0, 0x1000);
    assertThat(slot).isNotNegative();
    assertThat(t.sizeAt(slot)).isEqualTo(10);
    assertThat(t.stackAt(slot)).isEqualTo(3);
    assertThat(t.tickAt(slot)).isEqualTo(7);
    assertThat(t.addressAt(slot)).isEqualTo(0x1000);
    t.removeAt(slot);
    assertThat(t.locate(0, 0x1000)).isNegative();
    assertThat(t.size()).isZero();
  }

  @Test
  void churnInATinyTableWithWrappingClustersKeepsEveryBlockFindable() {
    // Capacity 16 never grows past 16 here: clusters wrap around the end all the time.
    AllocationTable t = new AllocationTable(16, 16);
    Map<Long, Long> model = new HashMap<>();
    SplittableRandom random = new SplittableRandom(3);
    for (int step = 0; step < 200_000; step++) {
      long address = 1 + random.nextInt(40);
      int slot = t.locate(0, address);
      assertThat(slot >= 0).isEqualTo(model.containsKey(address));
      if (slot >= 0) {
        assertThat(t.sizeAt(slot)).isEqualTo(model.remove(address));
        t.removeAt(slot);
      } else if (model.size() < 12) {
        long size = random.nextLong(1L << 33);
        assertThat(t.insert(slot, 0, address, size, 1, 0)).isTrue();
        model.put(address, size);
      }
      assertThat(t.size()).isEqualTo(model.size());
    }
    for (Map.Entry<Long, Long> e : model.entrySet()) {
      assertThat(t.sizeAt(t.locate(0, e.getKey()))).isEqualTo(e.getValue());
    }
  }

  @Test
  void growsByHalfAndKeepsTheLoadBetweenHalfAndThreeQuarters() {
    AllocationTable t = new AllocationTable(16);
    int previousCapacity = t.capacity();
    for (long i = 1; i <= 1_000_000; i++) {
      assertThat(put(t, 0, i * 16, i, (int) (i % 1000))).isTrue();
      if (t.capacity() != previousCapacity) {
        assertThat(t.capacity()).isEqualTo(previousCapacity + previousCapacity / 2);
        previousCapacity = t.capacity();
      }
      if (i > 1000) {
        double load = (double) t.size() / t.capacity();
        assertThat(load).isBetween(0.49, 0.751);
      }
    }
    // 20 bytes a slot on Linux: at most 40 bytes a block.
    assertThat((double) t.retainedBytes() / t.size()).isLessThanOrEqualTo(40.1);
    for (long i = 1; i <= 1_000_000; i += 997) {
      int slot = t.locate(0, i * 16);
      assertThat(t.sizeAt(slot)).isEqualTo(i);
      assertThat(t.stackAt(slot)).isEqualTo((int) (i % 1000));
    }
  }

  @Test
  void heapsAreKeptApartAndRemovedTogether() {
    AllocationTable t = new AllocationTable(16);
    for (long i = 1; i <= 300; i++) {
      put(t, 0, i * 16, 1, 0);
    }
    for (long i = 1; i <= 300; i++) {
      put(t, 1, i * 16, 2, 1);
      put(t, 2, i * 16, 3, 2);
    }
    assertThat(t.size()).isEqualTo(900);
    assertThat(t.heapAt(t.locate(1, 160))).isEqualTo(1);
    List<Long> dropped = new ArrayList<>();
    t.removeHeap(1, (size, stack) -> dropped.add(size * 100 + stack));
    assertThat(dropped).hasSize(300).containsOnly(201L);
    assertThat(t.size()).isEqualTo(600);
    for (long i = 1; i <= 300; i++) {
      assertThat(t.locate(1, i * 16)).isNegative();
      assertThat(t.sizeAt(t.locate(0, i * 16))).isEqualTo(1);
      assertThat(t.sizeAt(t.locate(2, i * 16))).isEqualTo(3);
    }
    t.removeHeap(0, (size, stack) -> {});
    assertThat(t.size()).isEqualTo(300);
  }

  @Test
  void aHeapIndexBeyondSixteenBitsIsRefused() {
    AllocationTable t = new AllocationTable(16);
    int heap = AllocationTable.MAX_HEAP_INDEX;
    assertThat(put(t, heap, 0x1000, 1, 0)).isTrue();
    assertThat(t.heapAt(t.locate(heap, 0x1000))).isEqualTo(heap);
    assertThat(t.insert(t.locate(heap + 1, 0x2000), heap + 1, 0x2000, 1, 0, 0)).isFalse();
    assertThat(t.size()).isEqualTo(1);
  }

  @Test
  void bigSizesReuseTheirSideSlots() {
    AllocationTable t = new AllocationTable(16);
    for (int round = 0; round < 1000; round++) {
      put(t, 0, 0x1000, (1L << 35) + round, 0);
      put(t, 0, 0x2000, Long.MAX_VALUE - round, 0);
      assertThat(t.sizeAt(t.locate(0, 0x1000))).isEqualTo((1L << 35) + round);
      assertThat(t.sizeAt(t.locate(0, 0x2000))).isEqualTo(Long.MAX_VALUE - round);
      t.replace(t.locate(0, 0x2000), 5, 0, 0);
      assertThat(t.sizeAt(t.locate(0, 0x2000))).isEqualTo(5);
      t.removeAt(t.locate(0, 0x1000));
      t.removeAt(t.locate(0, 0x2000));
    }
    // Two side slots at most were ever in use at once.
    assertThat(t.retainedBytes()).isLessThan(8L * 3 * 16 + 8L * 8 + 1);
  }
}
