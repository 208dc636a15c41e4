package io.leakdetector.etw.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.leakdetector.spi.ForwardingHeapEventSink;
import io.leakdetector.spi.HeapEventSink;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The decoder allocates nothing per event: the calling thread's allocated-bytes counter (HotSpot's
 * ThreadMXBean) barely moves over 100 000 alloc + stack + free events once warm.
 */
class DecoderAllocationTest {

  /**
   * Counts the calls that carry an event and keeps nothing, so only the decoder's allocations
   * count.
   */
  static class CountingSink extends ForwardingHeapEventSink {
    long calls;

    CountingSink() {
      super(HeapEventSink.NONE);
    }

    @Override
    public int internStack(long[] frames, int offset, int length) {
      calls++;
      return super.internStack(frames, offset, length);
    }

    @Override
    public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
      calls++;
      super.onAlloc(timeNanos, heap, address, size, stackId);
    }

    @Override
    public void onFree(long timeNanos, long heap, long address) {
      calls++;
      super.onFree(timeNanos, heap, address);
    }

    @Override
    public void onRealloc(long t, long heap, long oldAddress, long newAddress, long size, int id) {
      calls++;
      super.onRealloc(t, heap, oldAddress, newAddress, size, id);
    }
  }

  @Test
  void decodingAllocatesNothingPerEvent() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    EventRecords records = new EventRecords();
    Memory alloc = records.alloc(8, 7408, 0x10, 0, 0x2a00000, 64, 0x1000);
    Memory stack =
        records.stack(8, 7408, 0x10, 0, 0x7ff6_0000_1000L, 0x7ff6_0000_2000L, 0x7ff6_0000_3000L);
    Memory free = records.free(8, 7408, 0x10, 0, 0x2a00000, 0x1000);
    Pointer stackPayload = stack.getPointer(96);
    CountingSink sink = new CountingSink();
    HeapEventDecoder decoder =
        new HeapEventDecoder(7408, sink, false, new SourceCounters(), new CallbackFailures());
    decoder.setClock(new QpcClock(10_000_000L));

    long time = 1;
    for (int i = 0; i < 50_000; i++) { // warm up: JIT and the decoder's tables
      time = cycle(decoder, alloc, stack, stackPayload, free, time);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    for (int i = 0; i < 100_000; i++) {
      time = cycle(decoder, alloc, stack, stackPayload, free, time);
    }
    long elapsed = System.nanoTime() - start;
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    // Reported, not asserted (timing is measured, never asserted, in unit tests).
    System.out.printf(
        "decoder: 300000 events, %d bytes allocated, %.0f ns per event%n",
        allocated, elapsed / 300_000.0);

    assertThat(sink.calls).isEqualTo(150_000L * 3);
    // 300 000 events: anything per event would be megabytes; allow a few stray KB.
    assertThat(allocated).as("bytes allocated for 300 000 events").isLessThan(16 * 1024);
    records.release();
  }

  private static long cycle(
      HeapEventDecoder decoder,
      Memory alloc,
      Memory stack,
      Pointer stackPayload,
      Memory free,
      long time) {
    alloc.setLong(16, time);
    stackPayload.setLong(0, time);
    free.setLong(16, time + 1);
    decoder.onEvent(alloc);
    decoder.onEvent(stack);
    decoder.onEvent(free);
    decoder.endOfBuffer();
    return time + 2;
  }
}
