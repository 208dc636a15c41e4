package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.event.RecordDecoder;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.UprobePmu;
import io.leakdetector.uprobes.probe.AllocatorFunction.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The return probes' attributes with and without stack copies, and the limits a perf sample and a
 * ring put on the copy's size.
 */
class PerThreadStackCopyAttrsTest {
  static final CpuArch X = CpuArch.X86_64;

  static SourceOptions options(Map<String, String> values) throws LeakDetectorException {
    return SourceOptions.from(new SourceRequest(new TargetSpec.Pid(1), false, values), 4096);
  }

  static ProbeAttrs attrs(Map<String, String> values) throws LeakDetectorException {
    return new ProbeAttrs(X, new UprobePmu(9, 0), options(values), false, false);
  }

  static int stackUser(PerfEventAttr attr) {
    return ByteBuffer.wrap(attr.toBytes())
        .order(ByteOrder.LITTLE_ENDIAN)
        .getInt(PerfAbi.ATTR_SAMPLE_STACK_USER);
  }

  static boolean dumps(PerfEventAttr attr) {
    return (attr.sampleType() & PerfAbi.SAMPLE_STACK_USER) != 0;
  }

  @Test
  void withStackCopiesEveryReturnSamplesIpSpBpAndDumpsTheCopyPosixMemalignTheLargerDump()
      throws Exception {
    ProbeAttrs a = attrs(Map.of("uprobes.stack-copy", "512", "uprobes.memalign-dump", "1024"));
    PerfEventAttr malloc = a.ret(0x1000, 0x99, Kind.SIZE_ARG0, false);
    PerfEventAttr memalign = a.ret(0x1000, 0x99, Kind.POSIX_MEMALIGN, false);
    // AX, DX, BP, SP, IP
    long mask = 1L << 0 | 1L << 3 | 1L << 6 | 1L << 7 | 1L << 8;
    assertThat(malloc.sampleRegsUser()).isEqualTo(mask);
    assertThat(memalign.sampleRegsUser()).isEqualTo(mask);
    assertThat(dumps(malloc)).isTrue();
    assertThat(stackUser(malloc)).isEqualTo(512);
    assertThat(stackUser(memalign)).isEqualTo(1024);
    ProbeAttrs large = attrs(Map.of("uprobes.stack-copy", "8192"));
    assertThat(stackUser(large.ret(0x1000, 0x99, Kind.POSIX_MEMALIGN, false))).isEqualTo(8192);
    assertThat(PerCpuReader.layout(X, true))
        .as("the layout the decoder tests build samples with")
        .isEqualTo(new RecordDecoder.Layout(2, 1, 0, 3, 0, 2, 0, 1, 3, 5, 4, 2));
  }

  @Test
  void withoutStackCopiesOnlyPosixMemalignDumpsAsBefore() throws Exception {
    ProbeAttrs a = attrs(Map.of("uprobes.unwind", "fp"));
    PerfEventAttr malloc = a.ret(0x1000, 0x99, Kind.SIZE_ARG0, false);
    PerfEventAttr memalign = a.ret(0x1000, 0x99, Kind.POSIX_MEMALIGN, false);
    assertThat(a.unwinds()).isFalse();
    assertThat(dumps(malloc)).isFalse();
    assertThat(malloc.sampleRegsUser()).isEqualTo(X.returnRegsMask());
    assertThat(dumps(memalign)).isTrue();
    assertThat(memalign.sampleRegsUser()).isEqualTo(X.returnRegsMask() | 1L << X.stackPointer());
    assertThat(stackUser(memalign)).isEqualTo(1024);
    assertThat(PerCpuReader.layout(X, false)).isEqualTo(PerCpuReader.layout(X));
  }

  /**
   * The kernel keeps a sample's size in a u16 and rejects {@code sample_stack_user} of 65535 or
   * more, or not a multiple of 8 (perf_copy_attr): the largest copy leaves room for the rest of the
   * deepest sample and is a multiple of 512 below that.
   */
  @Test
  void theLargestCopyFitsTheDeepestSampleUnder64KiB() {
    for (int maxStack : new int[] {1, 64, 127}) {
      for (CpuArch arch : new CpuArch[] {CpuArch.X86_64, CpuArch.AARCH64}) {
        int copy = ProbeAttrs.maxStackCopy(arch, maxStack);
        // header, identifier, tid, time; nr and the frames with a kernel and a user marker;
        // abi and the registers; the dump's size and dyn_size words
        int rest =
            8
                + 8
                + 8
                + 8
                + 8
                + 8 * (maxStack + 2)
                + 8
                + 8 * Long.bitCount(arch.dumpRegsMask(true))
                + 16;
        assertThat(copy + rest).isLessThanOrEqualTo(0xFFFF);
        assertThat(copy + 512 + rest).isGreaterThan(0xFFFF);
        assertThat(copy % 512).isZero();
      }
    }
    assertThat(ProbeAttrs.maxStackCopy(X, 64)).isEqualTo(64512);
    assertThat(ProbeAttrs.maxStackCopy(X, 127)).isEqualTo(64000);
  }

  @Test
  void aCopyAboveWhatASampleHoldsIsAUsageError() throws Exception {
    ProbeAttrs a = attrs(Map.of("uprobes.stack-copy", "65536", "uprobes.max-stack", "127"));
    assertThatThrownBy(a::checkSampleSizes)
        .isInstanceOfSatisfying(
            LeakDetectorException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(LeakDetectorException.Kind.USAGE);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "The per-thread design copies at most 64000 bytes of stack per allocation"
                          + " with uprobes.max-stack=127 (a perf sample must stay under 64 KiB),"
                          + " not uprobes.stack-copy=65536.");
            });
    attrs(Map.of("uprobes.stack-copy", "64000", "uprobes.max-stack", "127")).checkSampleSizes();
  }

  @Test
  void aRingTooSmallForOneSampleIsAUsageError() throws Exception {
    ProbeAttrs a = attrs(Map.of("uprobes.stack-copy", "8192", "uprobes.ring-kib", "8"));
    assertThatThrownBy(a::checkSampleSizes)
        .isInstanceOfSatisfying(
            LeakDetectorException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(LeakDetectorException.Kind.USAGE);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "A ring of uprobes.ring-kib=8 cannot hold one allocation sample of up to"
                          + " 8824 bytes; give a larger ring or a smaller uprobes.stack-copy.");
            });
    attrs(Map.of("uprobes.stack-copy", "4096", "uprobes.ring-kib", "8")).checkSampleSizes();
    attrs(Map.of("uprobes.unwind", "fp", "uprobes.ring-kib", "4")).checkSampleSizes();
  }
}
