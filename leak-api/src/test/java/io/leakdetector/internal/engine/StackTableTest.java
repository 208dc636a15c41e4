package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StackTableTest {
  private final StackTable table = new StackTable();

  private int intern(long[] frames, int offset, int length) {
    int found = table.find(frames, offset, length);
    return found >= 0 ? found : table.add(found, frames, offset, length);
  }

  @Test
  void equalStacksGetTheSameIdWhereverTheyLieInTheCallersArray() {
    long[] buffer = {9, 1, 2, 3, 9, 9, 1, 2, 3};
    int a = intern(buffer, 1, 3);
    int b = intern(buffer, 6, 3);
    assertThat(a).isEqualTo(b).isZero();
    assertThat(table.count()).isEqualTo(1);
    assertThat(table.frames(a)).containsExactly(1, 2, 3);
  }

  @Test
  void differentStacksGetDifferentDenseIds() {
    long[] frames = {1, 2, 3, 4};
    assertThat(intern(frames, 0, 3)).isEqualTo(0);
    assertThat(intern(frames, 0, 2)).isEqualTo(1); // a prefix is another stack
    assertThat(intern(frames, 1, 3)).isEqualTo(2);
    assertThat(intern(new long[] {3, 2, 1}, 0, 3)).isEqualTo(3); // order matters
    assertThat(intern(frames, 0, 0)).isEqualTo(4); // the unknown stack
    assertThat(intern(new long[0], 0, 0)).isEqualTo(4);
    assertThat(table.length(4)).isZero();
    assertThat(table.frames(4)).isEmpty();
  }

  @Test
  void manyDeepStacksGrowTheArenaAndStayFindable() {
    SplittableRandom random = new SplittableRandom(7);
    int count = 20_000;
    long[][] stacks = new long[count][];
    for (int i = 0; i < count; i++) {
      stacks[i] = random.longs(1 + random.nextInt(64), 0, 1L << 47).toArray();
      assertThat(intern(stacks[i], 0, stacks[i].length)).isEqualTo(i);
    }
    for (int i = 0; i < count; i++) {
      assertThat(table.find(stacks[i], 0, stacks[i].length)).isEqualTo(i);
      assertThat(table.frames(i)).containsExactly(stacks[i]);
    }
    StackTable.View view = table.view();
    assertThat(view.count()).isEqualTo(count);
    assertThat(view.frames(count - 1)).containsExactly(stacks[count - 1]);
  }

  @Test
  void stacksWithEqualHashesAreTellApartByTheirFrames() {
    // Find two different one-frame stacks with the same 32-bit hash (a birthday search).
    Map<Integer, Long> byHash = new HashMap<>();
    long first = 0;
    long second = 0;
    for (long frame = 1; second == 0; frame++) {
      long[] stack = {frame * 0x10};
      Long earlier = byHash.putIfAbsent(StackTable.hash(stack, 0, 1), stack[0]);
      if (earlier != null) {
        first = earlier;
        second = stack[0];
      }
    }
    long[] a = {first};
    long[] b = {second};
    assertThat(StackTable.hash(a, 0, 1)).isEqualTo(StackTable.hash(b, 0, 1));
    int ia = intern(a, 0, 1);
    int ib = intern(b, 0, 1);
    assertThat(ia).isNotEqualTo(ib);
    assertThat(intern(a, 0, 1)).isEqualTo(ia);
    assertThat(intern(b, 0, 1)).isEqualTo(ib);
    assertThat(table.frames(ib)).containsExactly(second);
  }

  @Test
  void aViewStaysValidWhileTheTableGrows() {
    long[] frames = new long[32];
    for (int i = 0; i < 10; i++) {
      frames[0] = i;
      intern(frames, 0, 32);
    }
    StackTable.View view = table.view();
    for (int i = 10; i < 5_000; i++) {
      frames[0] = i;
      intern(frames, 0, 32);
    }
    assertThat(view.count()).isEqualTo(10);
    for (int i = 0; i < 10; i++) {
      assertThat(view.frames(i)[0]).isEqualTo(i);
      assertThat(view.frames(i)).hasSize(32);
    }
  }
}
