package io.leakdetector.symbols.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModuleMapTest {
  static MappedRange special(String name, long start, long end, long offset) {
    return new MappedRange(start, end, offset, null, name);
  }

  @Test
  void newRangeReplacesWhatItOverlapsAndKeepsTheRest() {
    ModuleMap map = new ModuleMap();
    map.add(special("[a]", 0x1000, 0x5000, 0x0));
    map.add(special("[b]", 0x6000, 0x8000, 0x0));
    map.add(special("[c]", 0x3000, 0x7000, 0x100));

    assertThat(map.size()).isEqualTo(3);
    assertThat(map.find(0x2fff).specialName()).isEqualTo("[a]");
    assertThat(map.find(0x2fff).end()).isEqualTo(0x3000);
    assertThat(map.find(0x3000).specialName()).isEqualTo("[c]");
    assertThat(map.find(0x6fff).specialName()).isEqualTo("[c]");
    MappedRange tail = map.find(0x7000);
    assertThat(tail.specialName()).isEqualTo("[b]");
    assertThat(tail.start()).isEqualTo(0x7000);
    assertThat(tail.fileOffset()).as("the tail keeps its file offset").isEqualTo(0x1000);
    assertThat(map.find(0x8000)).isNull();
    assertThat(map.find(0xfff)).isNull();
  }

  @Test
  void rangeInsideAnotherSplitsIt() {
    ModuleMap map = new ModuleMap();
    map.add(special("[big]", 0x10000, 0x20000, 0x4000));
    map.add(special("[small]", 0x14000, 0x15000, 0));
    assertThat(map.find(0x13fff).specialName()).isEqualTo("[big]");
    assertThat(map.find(0x14000).specialName()).isEqualTo("[small]");
    assertThat(map.find(0x15000).specialName()).isEqualTo("[big]");
    assertThat(map.find(0x15000).fileOffset()).isEqualTo(0x9000);
    map.clear(0x10000, 0x20000);
    assertThat(map.size()).isZero();
  }
}
