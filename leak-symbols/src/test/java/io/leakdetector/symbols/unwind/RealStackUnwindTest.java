package io.leakdetector.symbols.unwind;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.StackEnd;
import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.symbols.testing.StackCaptures;
import io.leakdetector.symbols.testing.StackCaptures.Capture;
import io.leakdetector.symbols.testing.StackCaptures.Run;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unwinder on stacks of real processes (C fixtures compiled here, see {@link StackCaptures}),
 * with the system's libc, against the return addresses the fixtures recorded themselves: a program
 * without frame pointers whose stack runs through libc's qsort, and frame-pointer code around a
 * library without them.
 */
class RealStackUnwindTest {
  @TempDir Path dir;

  static final long STACK_COPY_EXHAUSTED = StackEnd.STACK_COPY_EXHAUSTED.address();

  static long[] unwind(UnwindModules modules, UnwindMode mode, Capture c, int copyLength) {
    StackUnwinder unwinder = new StackUnwinder(modules, mode, 127);
    long[] out = new long[128];
    int n =
        unwinder.unwind(
            c.ip(),
            c.sp(),
            c.bp(),
            ByteBuffer.wrap(c.stack()),
            0,
            Math.min(copyLength, c.stack().length),
            c.stackAddress(),
            c.chain(),
            0,
            c.chain().length,
            out,
            0,
            out.length);
    return Arrays.copyOf(out, n);
  }

  @Test
  void withoutFramePointersThroughLibcsQsort() throws Exception {
    Run run = StackCaptures.withoutFramePointers(dir, 2, 6);
    UnwindModules modules = run.modules();
    assertThat(run.captures()).hasSize(2);
    ElfSymbol sorter;
    long bias;
    try (ElfFile exe = ElfFile.open(run.binary())) {
      sorter = exe.findSymbol("sorter").orElseThrow();
      ProcMapsEntry first = run.mappingOf(run.captures().get(0).ip());
      bias = exe.loadBias(first.start(), first.fileOffset()).orElseThrow();
    }
    for (Capture c : run.captures()) {
      long[] truth = c.truth();
      int depth = truth.length - 3;
      long[] frames = unwind(modules, UnwindMode.DWARF, c, Integer.MAX_VALUE);
      String shown = hex(frames) + " truth " + hex(truth);
      // ip, deep(0..d-1)'s and cmp's return addresses
      assertThat(frames[0]).as(shown).isEqualTo(c.ip());
      assertThat(Arrays.copyOfRange(frames, 1, depth + 2))
          .as(shown)
          .containsExactly(Arrays.copyOfRange(truth, 0, depth + 1));
      // then qsort's frames in libc, up to the return address in sorter
      int at = depth + 2;
      while (at < frames.length && isLibc(run, frames[at])) {
        at++;
      }
      assertThat(at).as("libc frames between cmp and sorter: " + shown).isGreaterThan(depth + 2);
      long inSorter = frames[at] - bias;
      assertThat(inSorter)
          .as(shown)
          .isGreaterThan(sorter.value())
          .isLessThanOrEqualTo(sorter.value() + sorter.size());
      // sorter's and main's return addresses, then libc's start code and _start: a natural end
      assertThat(frames[at + 1]).as(shown).isEqualTo(truth[depth + 1]);
      assertThat(frames[at + 2]).as(shown).isEqualTo(truth[depth + 2]);
      long last = frames[frames.length - 1];
      assertThat(StackEnd.of(last)).as(shown).isEmpty();
      assertThat(run.mappingOf(last).path()).as(shown).isEqualTo(run.binary().toString());
      assertThat(frames.length).as(shown).isLessThanOrEqualTo(at + 6);

      // no frame pointers: auto finds no frame owning bp and unwinds like dwarf
      assertThat(unwind(modules, UnwindMode.AUTO, c, Integer.MAX_VALUE)).containsExactly(frames);
      // the frame-pointer walk loses the fixture's frames
      long[] fp = unwind(modules, UnwindMode.FP, c, Integer.MAX_VALUE);
      assertThat(fp).doesNotContain(truth[0], truth[1]);
      // a copy of one 512-byte block: a prefix of the stack, then an honest end
      long[] small = unwind(modules, UnwindMode.DWARF, c, 512);
      assertThat(small[small.length - 1]).isEqualTo(STACK_COPY_EXHAUSTED);
      assertThat(Arrays.copyOf(small, small.length - 1))
          .containsExactly(Arrays.copyOf(frames, small.length - 1));
    }
    assertThat(modules.tableMemoryBytes()).isPositive();
  }

  @Test
  void framePointerCodeAroundALibraryWithout() throws Exception {
    Run run = StackCaptures.framePointersAroundLibrary(dir);
    UnwindModules modules = run.modules();
    Capture c = run.captures().get(0);
    long[] t = c.truth();
    long[] full = unwind(modules, UnwindMode.DWARF, c, Integer.MAX_VALUE);
    String shown = hex(full) + " truth " + hex(t) + " chain " + hex(c.chain());
    assertThat(Arrays.copyOf(full, 5)).as(shown).containsExactly(c.ip(), t[0], t[1], t[2], t[3]);
    assertThat(StackEnd.of(full[full.length - 1])).as(shown).isEmpty();
    assertThat(run.mappingOf(full[full.length - 1]).path()).isEqualTo(run.binary().toString());

    // 1 KiB of copy holds the library's frames, not outer's 4 KiB: auto continues with the
    // kernel's chain from outer, dwarf runs out
    assertThat(c.chain()).as(shown).startsWith(c.ip(), t[2], t[3]);
    long[] expectedAuto =
        LongStream.concat(
                LongStream.of(c.ip(), t[0], t[1]),
                Arrays.stream(c.chain(), 1, c.chain().length).filter(modules::isExecutable))
            .toArray();
    assertThat(Arrays.stream(c.chain()).allMatch(modules::isExecutable)).as(shown).isTrue();
    assertThat(unwind(modules, UnwindMode.AUTO, c, 1024)).as(shown).containsExactly(expectedAuto);
    assertThat(unwind(modules, UnwindMode.DWARF, c, 1024))
        .as(shown)
        .containsExactly(c.ip(), t[0], t[1], STACK_COPY_EXHAUSTED);
    // frame pointers alone skip the library's two frames
    assertThat(unwind(modules, UnwindMode.FP, c, 0)).as(shown).containsExactly(c.chain());
    assertThat(c.chain()).doesNotContain(t[0], t[1]);
    assertThat(modules.modules())
        .anyMatch(m -> m.pathKey().equals(run.library().toString()) && m.rows() > 0);
  }

  private static boolean isLibc(Run run, long address) {
    return run.mappingOf(address).path().endsWith("/libc.so.6");
  }

  private static String hex(long[] values) {
    return Arrays.toString(Arrays.stream(values).mapToObj(Long::toHexString).toArray());
  }
}
