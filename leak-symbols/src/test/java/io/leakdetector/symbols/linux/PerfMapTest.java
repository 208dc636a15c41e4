package io.leakdetector.symbols.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PerfMapTest {
  @TempDir Path dir;

  static PerfMap parse(String text) throws Exception {
    return PerfMap.parse(new BufferedReader(new StringReader(text)));
  }

  static String nameAt(PerfMap map, long address) {
    int i = map.indexOf(address);
    return i < 0 ? null : map.name(i) + "@" + Long.toHexString(map.start(i));
  }

  @Test
  void readsHotSpotAndPlainHexLines() throws Exception {
    PerfMap map =
        parse(
            "0x00007fca20ec7600 0x0000000000000078 long Hot.f(long)\n"
                + "7fca20940b80 17de0 Interpreter\n"
                + "3a6f1c0 1a LazyCompile:~foo /tmp/x.js:1\n");
    assertThat(map.size()).isEqualTo(3);
    assertThat(map.skippedLines()).isZero();
    assertThat(nameAt(map, 0x7fca20ec7600L)).isEqualTo("long Hot.f(long)@7fca20ec7600");
    assertThat(nameAt(map, 0x7fca20ec7677L)).isEqualTo("long Hot.f(long)@7fca20ec7600");
    assertThat(nameAt(map, 0x7fca20ec7678L)).isNull();
    assertThat(nameAt(map, 0x7fca20940b80L + 0x17ddfL)).isEqualTo("Interpreter@7fca20940b80");
    assertThat(nameAt(map, 0x3a6f1c0L + 5)).isEqualTo("LazyCompile:~foo /tmp/x.js:1@3a6f1c0");
    assertThat(nameAt(map, 0x3a6f1bfL)).isNull();
    assertThat(nameAt(map, 0)).isNull();
    assertThat(nameAt(map, -1)).isNull();
  }

  @Test
  void laterLinesWinWhereEntriesOverlap() throws Exception {
    PerfMap map =
        parse(
            "1000 1000 old\n" // [1000, 2000)
                + "1800 100 inner\n" // [1800, 1900) over old
                + "1f00 200 tail\n" // [1f00, 2100) over old's end
                + "1000 1000 old\n"); // old again, latest: covers [1000, 2000) again
    assertThat(nameAt(map, 0x1850)).isEqualTo("old@1000");
    assertThat(nameAt(map, 0x1f80)).isEqualTo("old@1000");
    assertThat(nameAt(map, 0x2050)).isEqualTo("tail@1f00");
    assertThat(map.size()).isEqualTo(2);

    PerfMap reused =
        parse("1000 1000 old\n" + "1800 100 inner\n" + "1f00 200 tail\n" + "0f00 180 head\n");
    assertThat(nameAt(reused, 0x0f00)).isEqualTo("head@f00");
    assertThat(nameAt(reused, 0x107f)).isEqualTo("head@f00");
    assertThat(nameAt(reused, 0x1080)).isEqualTo("old@1000");
    assertThat(nameAt(reused, 0x17ff)).isEqualTo("old@1000");
    assertThat(nameAt(reused, 0x1800)).isEqualTo("inner@1800");
    assertThat(nameAt(reused, 0x1900)).isEqualTo("old@1000");
    assertThat(nameAt(reused, 0x1eff)).isEqualTo("old@1000");
    assertThat(nameAt(reused, 0x1f00)).isEqualTo("tail@1f00");
    assertThat(nameAt(reused, 0x20ff)).isEqualTo("tail@1f00");
    assertThat(nameAt(reused, 0x2100)).isNull();
  }

  @Test
  void skipsGarbageLines() throws Exception {
    PerfMap map =
        parse(
            "\n"
                + "garbage\n"
                + "zz 10 notHex\n"
                + "1000 xyz badSize\n"
                + "2000 0 emptyRange\n"
                + "3000 10\n"
                + "11112222333344445555 10 tooLong\n"
                + "fffffffffffffff0 100 wraps\n"
                + "4000\t10\t tabbed name with spaces \n");
    assertThat(map.size()).isEqualTo(1);
    assertThat(map.skippedLines()).isEqualTo(7);
    assertThat(nameAt(map, 0x4005)).isEqualTo("tabbed name with spaces@4000");
  }

  @Test
  void readsABigFileUnsorted() throws Exception {
    int n = 300_000;
    StringBuilder text = new StringBuilder(n * 40);
    // entries written in a scrambled order, 0x40 apart, 0x30 long
    for (int k = 0; k < n; k++) {
      long i = (k * 7919L) % n;
      text.append(Long.toHexString(0x7f00_0000_0000L + i * 0x40))
          .append(" 30 m")
          .append(i)
          .append('\n');
    }
    Path file = dir.resolve("perf-1.map");
    Files.writeString(file, text);
    long t0 = System.nanoTime();
    PerfMap map = PerfMap.read(file);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(map.size()).isEqualTo(n);
    for (long i = 0; i < n; i += 997) {
      long start = 0x7f00_0000_0000L + i * 0x40;
      assertThat(nameAt(map, start + 0x2f)).isEqualTo("m" + i + "@" + Long.toHexString(start));
      assertThat(nameAt(map, start + 0x30)).isNull();
    }
    assertThat(millis).as("parse time of %d lines", n).isLessThan(10_000);
  }

  @Test
  void javaNamesAsJavaUsersWriteThem() {
    assertThat(JitNames.readable("long Hot.f(long)")).isEqualTo("Hot.f");
    assertThat(JitNames.readable("void java.util.zip.Deflater.<init>(int, boolean)"))
        .isEqualTo("java.util.zip.Deflater.<init>");
    assertThat(
            JitNames.readable(
                "java.lang.Object jdk.internal.misc.Unsafe.getReferenceVolatile(java.lang.Object,"
                    + " long)"))
        .isEqualTo("jdk.internal.misc.Unsafe.getReferenceVolatile");
    assertThat(JitNames.readable("int[] a.B$C.d(java.lang.String[])")).isEqualTo("a.B$C.d");
    assertThat(JitNames.readable("void Hot$$Lambda$14/0x0000000800c01200.run()"))
        .isEqualTo("Hot$$Lambda$14/0x0000000800c01200.run");
    assertThat(JitNames.readable("Interpreter")).isEqualTo("Interpreter");
    assertThat(JitNames.readable("I2C/C2I adapters")).isEqualTo("I2C/C2I adapters");
    assertThat(JitNames.readable("StubRoutines (1)")).isEqualTo("StubRoutines (1)");
    assertThat(JitNames.readable("LazyCompile:~foo /tmp/x.js:1"))
        .isEqualTo("LazyCompile:~foo /tmp/x.js:1");
  }
}
