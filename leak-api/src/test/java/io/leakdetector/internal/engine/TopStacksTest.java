package io.leakdetector.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopStacksTest {

  @Test
  void picksTheSameIdsInTheSameOrderAsAFullSort() {
    SplittableRandom random = new SplittableRandom(11);
    TopStacks top = new TopStacks();
    for (int round = 0; round < 500; round++) {
      int n = random.nextInt(300);
      long[] keys = random.longs(n, -5, 5).toArray(); // many ties
      int limit = random.nextInt(n + 2);
      top.reset(limit, keys);
      IntStream.range(0, n).filter(i -> i % 7 != 3).forEach(top::offer);
      int[] expected =
          IntStream.range(0, n)
              .filter(i -> i % 7 != 3)
              .boxed()
              .sorted(
                  Comparator.<Integer>comparingLong(i -> keys[i])
                      .reversed()
                      .thenComparingInt(i -> i))
              .limit(limit)
              .mapToInt(Integer::intValue)
              .toArray();
      assertThat(top.result()).containsExactly(expected);
    }
  }

  @Test
  void aLimitOfZeroKeepsNothing() {
    TopStacks top = new TopStacks();
    top.reset(0, new long[] {1, 2});
    top.offer(0);
    top.offer(1);
    assertThat(top.result()).isEmpty();
  }
}
