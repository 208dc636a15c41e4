package io.leakdetector.uprobes.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.event.AllocationPairing;
import io.leakdetector.uprobes.event.BpfRecordDecoder;
import io.leakdetector.uprobes.event.EventBatch;
import io.leakdetector.uprobes.probe.AllocatorFunction.Kind;
import io.leakdetector.uprobes.testing.RecordingSink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ring buffer records laid out byte by byte as the kernel and the probe programs write them: the
 * reader stops at a record still being written, skips discarded ones, reads a record across the end
 * of the data area through the second mapping, and the decoder and pairing turn them into the right
 * heap events (posix_memalign's pointer read in the kernel is exact).
 */
class BpfRingBufferTest {
  private static final int PAGE = 4096;
  private static final int SIZE = 4096;

  private final ByteBuffer consumer = direct(PAGE);
  private final ByteBuffer producer = direct(PAGE + 2 * SIZE);
  private long reserved;

  private static ByteBuffer direct(int size) {
    return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
  }

  /** Writes a record as the kernel's reserve + the program's stores + commit would. */
  private void put(byte[] data, boolean busy, boolean discard) {
    int header =
        data.length
            | (busy ? BpfRingBuffer.BUSY_BIT : 0)
            | (discard ? BpfRingBuffer.DISCARD_BIT : 0);
    long at = reserved;
    // the data area is mapped twice in a row: write both copies, as the one physical page would
    for (int copy = 0; copy < 2; copy++) {
      int base = PAGE + copy * SIZE;
      producer.putInt(base + (int) (at % SIZE), header);
      for (int i = 0; i < data.length; i++) {
        int pos = (int) ((at + 8 + i) % SIZE);
        producer.put(base + pos, data[i]);
      }
    }
    reserved += (data.length + 8 + 7) & ~7;
    producer.putLong(0, reserved);
  }

  private static byte[] entry(long time, int tid, int site, long a0, long a1, long a2) {
    ByteBuffer b = ByteBuffer.allocate(ProbeRecord.ENTRY_SIZE).order(ByteOrder.nativeOrder());
    b.putLong(time).putInt(tid).putInt(ProbeRecord.siteWord(site, ProbeRecord.KIND_ENTRY));
    b.putLong(a0).putLong(a1).putLong(a2);
    return b.array();
  }

  private static byte[] ret(
      long time,
      int tid,
      int site,
      long result,
      long memptr,
      long value,
      int flags,
      long... frames) {
    int maxStack = 4;
    ByteBuffer b =
        ByteBuffer.allocate(ProbeRecord.returnSize(maxStack)).order(ByteOrder.nativeOrder());
    b.putLong(time).putInt(tid).putInt(ProbeRecord.siteWord(site, ProbeRecord.KIND_RETURN));
    b.putLong(result).putLong(memptr).putLong(value);
    b.putInt(8 * frames.length).putInt(flags);
    for (long f : frames) {
      b.putLong(f);
    }
    return b.array();
  }

  @Test
  void drainsInOrderStopsAtABusyRecordAndSkipsDiscardedOnes() {
    BpfRingBuffer ring = BpfRingBuffer.overBuffers(consumer, producer, SIZE, PAGE);
    List<Long> times = new ArrayList<>();
    BpfRingBuffer.RecordSink sink = (b, at, len) -> times.add(b.getLong(at));
    put(entry(1, 7, 0, 16, 0, 0), false, false);
    put(entry(2, 7, 0, 16, 0, 0), false, true);
    put(entry(3, 7, 0, 16, 0, 0), false, false);
    put(entry(4, 7, 0, 16, 0, 0), true, false);
    put(entry(5, 7, 0, 16, 0, 0), false, false);
    assertThat(ring.drain(sink, 100)).isEqualTo(3);
    assertThat(times).containsExactly(1L, 3L);
    assertThat(ring.caughtUp()).isFalse();
    assertThat(consumer.getLong(0)).as("consumer position after three records").isEqualTo(3 * 48L);
    // the busy record is committed now
    producer.putInt(PAGE + 3 * 48, ProbeRecord.ENTRY_SIZE);
    producer.putInt(PAGE + SIZE + 3 * 48, ProbeRecord.ENTRY_SIZE);
    assertThat(ring.drain(sink, 100)).isEqualTo(2);
    assertThat(times).containsExactly(1L, 3L, 4L, 5L);
    assertThat(ring.caughtUp()).isTrue();
    assertThat(ring.pending()).isZero();
  }

  @Test
  void aDrainUpToAPositionReadEarlierLeavesLaterRecords() {
    BpfRingBuffer ring = BpfRingBuffer.overBuffers(consumer, producer, SIZE, PAGE);
    List<Long> times = new ArrayList<>();
    BpfRingBuffer.RecordSink sink = (b, at, len) -> times.add(b.getLong(at));
    put(entry(1, 7, 0, 16, 0, 0), false, false);
    put(entry(2, 7, 0, 16, 0, 0), false, false);
    long limit = ring.producerPosition();
    assertThat(limit).isEqualTo(2 * 48L);
    put(entry(3, 7, 0, 16, 0, 0), false, false); // reserved after the limit was read
    assertThat(ring.drain(sink, 100, limit)).isEqualTo(2);
    assertThat(times).containsExactly(1L, 2L);
    assertThat(ring.caughtUp()).as("every record before the limit").isTrue();
    assertThat(ring.drain(sink, 100, ring.producerPosition())).isEqualTo(1);
    assertThat(times).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aRecordAcrossTheEndIsReadWholeAndTheLimitIsKept() {
    BpfRingBuffer ring = BpfRingBuffer.overBuffers(consumer, producer, SIZE, PAGE);
    List<Long> frames = new ArrayList<>();
    BpfRingBuffer.RecordSink sink =
        (b, at, len) -> {
          if (len > ProbeRecord.ENTRY_SIZE) {
            frames.add(b.getLong(at + ProbeRecord.FRAMES + 8));
          }
        };
    // 84 entry records (48 bytes each) bring the position to 4032; the next one wraps
    for (int i = 0; i < 84; i++) {
      put(entry(i, 7, 0, 16, 0, 0), false, false);
    }
    assertThat(ring.drain(sink, 50)).isEqualTo(50);
    assertThat(ring.caughtUp()).isFalse();
    assertThat(ring.drain(sink, 50)).isEqualTo(34);
    put(ret(100, 7, 1, 0x5000, 0, 0, 0, 0x401000, 0x402000), false, false);
    assertThat(ring.drain(sink, 50)).isEqualTo(1);
    assertThat(frames).containsExactly(0x402000L);
  }

  @Test
  void decodedRecordsPairIntoHeapEvents() {
    BpfRingBuffer ring = BpfRingBuffer.overBuffers(consumer, producer, SIZE, PAGE);
    BpfRecordDecoder decoder = new BpfRecordDecoder(4);
    EventBatch batch = new EventBatch(16);
    decoder.into(batch);
    RecordingSink sink = new RecordingSink(-1);
    AllocationPairing pairing = new AllocationPairing(sink, (a, f) -> f, tid -> {});
    pairing.siteKinds(new Kind[] {Kind.SIZE_ARG0, Kind.POSIX_MEMALIGN, Kind.FREE});
    put(entry(10, 7, 0, 100, 0, 0), false, false);
    put(ret(11, 7, 0, 0x5000, 0, 0, 0, 0x401000), false, false);
    // posix_memalign(&p = 0x7ff0, 64, 256): the program read p = 0x6040 at the return
    put(entry(12, 8, 1, 0x7ff0, 64, 256), false, false);
    put(ret(13, 8, 1, 0, 0x7ff0, 0x6040, ProbeRecord.FLAG_VALUE_READ, 0x401100), false, false);
    put(entry(14, 9, 2, 0x5000, 0, 0), false, false);
    ring.drain(decoder, 100);
    for (int i = 0; i < batch.count(); i++) {
      pairing.process(batch, i);
    }
    assertThat(sink.allocs).isEqualTo(2);
    assertThat(sink.frees).isEqualTo(1);
    assertThat(sink.live()).containsOnlyKeys(0x6040L);
    RecordingSink.Block block = sink.live().get(0x6040L);
    assertThat(block.size()).isEqualTo(256);
    assertThat(sink.stack(block.stack())).containsExactly(0x401100L);
    assertThat(pairing.posixMemalignExact()).isEqualTo(1);
    assertThat(decoder.malformedRecords()).isZero();
  }
}
