package io.leakdetector.uprobes.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The primitive map against a HashMap model. */
class LongIntMapTest {
  @Test
  void behavesLikeAHashMapUnderRandomOperations() {
    Random random = new Random(11);
    LongIntMap map = new LongIntMap(4);
    Map<Long, Integer> model = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      long key = 1 + random.nextInt(500); // small key space: many collisions and deletions
      switch (random.nextInt(3)) {
        case 0 -> {
          int value = random.nextInt();
          map.put(key, value);
          model.put(key, value);
        }
        case 1 -> {
          Integer removed = model.remove(key);
          assertThat(map.remove(key, -1)).isEqualTo(removed == null ? -1 : removed);
        }
        default -> assertThat(map.get(key, -1)).isEqualTo(model.getOrDefault(key, -1));
      }
      assertThat(map.size()).isEqualTo(model.size());
    }
    for (long key = 1; key <= 500; key++) {
      assertThat(map.get(key, -1)).isEqualTo(model.getOrDefault(key, -1));
    }
  }
}
