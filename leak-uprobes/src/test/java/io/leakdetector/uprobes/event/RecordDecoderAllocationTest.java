package io.leakdetector.uprobes.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.linux.PerfAbi;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Decoding return samples with 4 KiB stack copies allocates nothing per event: the calling thread's
 * allocated-bytes counter (HotSpot's ThreadMXBean) barely moves over 100 000 of them once warm. The
 * unwinder here is the callchain, so only the decoder's own allocations count.
 */
class RecordDecoderAllocationTest {

  @Test
  void decodingReturnSamplesWithStackCopiesAllocatesNothingPerEvent() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    EventTable table = new EventTable();
    table.add(102, EventTable.RETURN_PROBE, 0, RecordDecoderTest.PID);
    RecordDecoder decoder =
        new RecordDecoder(
            RecordDecoderTest.PID,
            table,
            RecordDecoderTest.UNWINDING,
            64,
            4096,
            1024,
            ReturnStacks.CALLCHAIN,
            RecordDecoder.Sideband.NONE);
    decoder.siteDumpsStack(new boolean[1]);
    long[] chain = new long[20];
    chain[0] = PerfAbi.CONTEXT_USER;
    for (int k = 1; k < chain.length; k++) {
      chain[k] = 0x401000L + 16 * k;
    }
    ByteBuffer sample =
        RecordDecoderTest.unwindingReturn(
            102,
            chain,
            new long[] {0xAAAA, 0, 0x7ffc_0000_1230L, 0x7ffc_0000_1000L, 0x401010},
            RecordDecoderTest.counting(4096),
            4096);
    EventBatch batch = new EventBatch(1 << 12);
    decoder.into(batch);
    for (int i = 0; i < 50_000; i++) { // warm up: JIT, and the batch's arenas at their size
      if (batch.count() == 1 << 12) {
        batch.clear();
      }
      decoder.record(sample, 0, sample.capacity());
    }
    batch.clear();
    long before = threads.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    for (int i = 0; i < 100_000; i++) {
      if (batch.count() == 1 << 12) {
        batch.clear();
      }
      decoder.record(sample, 0, sample.capacity());
    }
    long elapsed = System.nanoTime() - start;
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    // Reported, not asserted (timing is measured, never asserted, in unit tests).
    System.out.printf(
        "100000 return samples with 4096-byte stack copies: %.0f ns each, %d bytes allocated%n",
        elapsed / 1e5, allocated);
    assertThat(decoder.stackCopyBytes()).isEqualTo(150_000L * 4096);
    assertThat(batch.frameCount(0)).isEqualTo(19);
    assertThat(allocated).isLessThan(10_000);
  }
}
