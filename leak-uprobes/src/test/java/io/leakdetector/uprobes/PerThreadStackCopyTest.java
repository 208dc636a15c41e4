package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.event.ReturnStacks;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The per-thread design with stack copies: a fixture's marked allocations (see {@code
 * stack_marks.c}) reach the {@link ReturnStacks} with the caller's own stack pointer and frame
 * pointer, an instruction pointer that is the callchain's first frame and lies in the caller, and a
 * stack copy equal, byte for byte, to the copy the caller made of its stack right after the
 * allocator returned; posix_memalign's result is read from the same dump.
 */
class PerThreadStackCopyTest {
  @TempDir static Path dir;
  static Path fixture;

  @BeforeAll
  static void compile() throws Exception {
    Prerequisites.requireUprobes();
    fixture =
        CCompiler.compile(
            CCompiler.testSource("stack_marks.c"),
            dir.resolve("stack_marks"),
            "-O0",
            "-fno-omit-frame-pointer",
            "-g",
            "-pthread");
  }

  /** What one return sample handed to the unwinder. */
  record Handed(long ip, long sp, long bp, byte[] stack, long stackAddress, long[] chain) {}

  /** One line of the fixture: a marked call as the caller saw it. */
  record Mark(int k, long sp, long fp, long at, long lo, long hi, long block, byte[] copy) {
    private static final Pattern LINE =
        Pattern.compile(
            "mark (\\d+) sp=(\\p{XDigit}+) fp=(\\p{XDigit}+) at=(\\p{XDigit}+)"
                + " lo=(\\p{XDigit}+) hi=(\\p{XDigit}+) block=(\\p{XDigit}+) copy=(\\p{XDigit}*)");

    static Mark parse(String line) {
      Matcher m = LINE.matcher(line);
      assertThat(m.matches()).as("fixture line %s", line).isTrue();
      return new Mark(
          Integer.parseInt(m.group(1)),
          Long.parseUnsignedLong(m.group(2), 16),
          Long.parseUnsignedLong(m.group(3), 16),
          Long.parseUnsignedLong(m.group(4), 16),
          Long.parseUnsignedLong(m.group(5), 16),
          Long.parseUnsignedLong(m.group(6), 16),
          Long.parseUnsignedLong(m.group(7), 16),
          HexFormat.of().parseHex(m.group(8)));
    }

    /** The first of the eight markers the call stored in its frame. */
    long marker() {
      return 0x4c65616b4d61726bL + 16L * k;
    }
  }

  static long wordAt(byte[] bytes, int offset) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (bytes[offset + i] & 0xFF);
    }
    return v;
  }

  /**
   * @param copy {@code uprobes.stack-copy}; 0 means the largest the per-thread design allows
   * @param depth KiB of stack frames between each thread's start and its marked calls
   */
  @ParameterizedTest(name = "stack-copy {0}, {1} KiB deep")
  @CsvSource({"4096, 8", "0, 80"})
  void theUnwinderGetsTheCallersRegistersAndItsStack(int copy, int depth) throws Exception {
    int maxStack = 64;
    CpuArch arch = CpuArch.current().orElseThrow();
    int stackCopy = copy > 0 ? copy : ProbeAttrs.maxStackCopy(arch, maxStack);
    List<Handed> handed = Collections.synchronizedList(new ArrayList<>());
    ReturnStacks recorder =
        (ip, sp, bp, stack, stackOffset, stackLength, stackAddress, chain, chainLength, out) -> {
          byte[] bytes = new byte[stackLength];
          stack.get(stackOffset, bytes);
          handed.add(
              new Handed(ip, sp, bp, bytes, stackAddress, Arrays.copyOf(chain, chainLength)));
          return ReturnStacks.CALLCHAIN.unwind(
              ip, sp, bp, stack, stackOffset, stackLength, stackAddress, chain, chainLength, out);
        };
    Map<String, String> options =
        Map.of(
            "uprobes.mode", "per-thread",
            "uprobes.stack-copy", Integer.toString(stackCopy),
            "uprobes.max-stack", Integer.toString(maxStack));
    List<Mark> marks = new ArrayList<>();
    Map<String, Long> counters;
    Map<String, String> outstanding;
    FixtureSymbols symbols;
    try (FixtureProcess p =
        FixtureProcess.start(fixture, Integer.toString(stackCopy), Integer.toString(depth))) {
      p.await("ready", 30);
      symbols = new FixtureSymbols(fixture, p.pid());
      EngineProbe engine = new EngineProbe(-1);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(new SourceRequest(new TargetSpec.Pid(p.pid()), false, options))) {
        assertThat(source).isInstanceOf(PerThreadSource.class);
        ((PerThreadSource) source).returnStacks(recorder);
        source.start(engine, engine);
        p.send("go");
        for (int k = 0; k < 4; k++) {
          marks.add(Mark.parse(p.await("mark ", 60)));
        }
        p.await("done", 60);
        source.catchUp();
        counters = source.counters();
        outstanding = symbols.outstandingByFunction(engine.snapshotAll());
      }
    }
    System.out.printf("stack copy %d: %s%n", stackCopy, counters);

    List<Handed> all = List.copyOf(handed);
    assertThat(all).isNotEmpty();
    for (Handed h : all) {
      // the kernel's user callchain starts at the sampled instruction pointer
      assertThat(h.chain()).isNotEmpty();
      assertThat(h.chain()[0]).as("chain[0]").isEqualTo(h.ip());
      assertThat(h.stackAddress()).isEqualTo(h.sp());
      assertThat(h.stack().length).isLessThanOrEqualTo(stackCopy);
    }
    for (Mark m : marks) {
      int offset = (int) (m.at() - m.sp());
      List<Handed> matching =
          all.stream()
              .filter(
                  h ->
                      h.sp() == m.sp()
                          && h.stack().length >= offset + 64
                          && wordAt(h.stack(), offset) == m.marker())
              .toList();
      assertThat(matching).as("samples of marked call %d", m.k()).hasSize(1);
      Handed h = matching.get(0);
      assertThat(h.bp()).as("frame pointer of call %d", m.k()).isEqualTo(m.fp());
      assertThat(h.sp()).isBetween(m.lo(), m.hi() - 1);
      assertThat(symbols.callerAt(h.ip())).isEqualTo("marked_alloc");
      for (int i = 0; i < 8; i++) {
        assertThat(wordAt(h.stack(), offset + 8 * i)).isEqualTo(m.marker() + i);
      }
      // the copy the kernel made at the return equals the caller's own copy right after it
      int common = Math.min(h.stack().length, m.copy().length);
      assertThat(common).isGreaterThan(offset);
      assertThat(HexFormat.of().formatHex(h.stack(), 0, common))
          .as("stack of call %d", m.k())
          .isEqualTo(HexFormat.of().formatHex(m.copy(), 0, common));
      if (m.copy().length == stackCopy) {
        // deep enough for the whole copy: the kernel did not shorten it to fit the sample
        assertThat(h.stack()).hasSize(stackCopy);
      }
    }
    // posix_memalign's result pointer, a local of the caller, was read from the same dump
    assertThat(counters)
        .containsEntry("posixMemalignExact", 2L)
        .containsEntry("posixMemalignInexact", 0L)
        .containsEntry("lostEvents", 0L);
    assertThat(outstanding).containsEntry("marked_alloc", "4 blocks, 6004 bytes");
    assertThat(counters.get("stackCopyBytes")).isGreaterThanOrEqualTo(4L * 64);
  }
}
