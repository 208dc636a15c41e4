package io.leakdetector.uprobes.event;

import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.linux.PerfRing;
import io.leakdetector.uprobes.probe.AllocatorFunction.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs the decode, merge and pairing code over synthetic records before the probes are enabled, so
 * the JIT has compiled it when the first real burst arrives. Measured: without it the first 0.2–0.3
 * s of a busy target (about 700 000 samples/s) overflowed 4 MiB rings in 2 of 5 runs; interpreted,
 * the reader is several times slower than the target's event rate.
 */
public final class Warmup {
  private Warmup() {}

  /** Decodes, sorts and pairs {@code rounds} × 4096 synthetic malloc/free calls. */
  public static void run(RecordDecoder.Layout layout, int rounds) {
    run(layout, 0, ReturnStacks.CALLCHAIN, rounds);
  }

  /**
   * Decodes, sorts and pairs {@code rounds} × 4096 synthetic malloc/free calls (fewer a round with
   * large stack dumps, at least 64); when the layout {@link RecordDecoder.Layout#unwinds()
   * unwinds}, their return samples carry a stack dump of {@code stackBytes} handed to {@code
   * stacks}.
   */
  public static void run(
      RecordDecoder.Layout layout, int stackBytes, ReturnStacks stacks, int rounds) {
    EventTable table = new EventTable();
    table.add(1, EventTable.ENTRY_PROBE, 0, 7);
    table.add(2, EventTable.RETURN_PROBE, 0, 7);
    table.add(3, EventTable.ENTRY_PROBE, 1, 7);
    RecordDecoder decoder =
        new RecordDecoder(7, table, layout, 64, stackBytes, 0, stacks, RecordDecoder.Sideband.NONE);
    int dump = layout.unwinds() ? stackBytes : -1;
    decoder.siteDumpsStack(new boolean[2]);
    AllocationPairing pairing = new AllocationPairing(HeapEventSink.NONE, (a, f) -> f, tid -> {});
    pairing.siteKinds(new Kind[] {Kind.SIZE_ARG0, Kind.FREE});
    int entrySize = 40 + 8 * layout.entryRegCount();
    int returnSize =
        dump < 0
            ? 40 + 8 * 6 + 8 + 8 * layout.returnRegCount()
            : 40 + 8 * 6 + 8 + 8 * layout.dumpRegCount() + 16 + dump;
    // 4096 calls a round, fewer with stack dumps: the synthetic ring stays within a few MiB
    int calls = Math.max(64, Math.min(4096, (4 << 20) / (2 * entrySize + returnSize)));
    int pageSize = 4096;
    int dataSize = Integer.highestOneBit(3 * calls * Math.max(entrySize, returnSize)) * 2;
    ByteBuffer mapping =
        ByteBuffer.allocateDirect(pageSize + dataSize).order(ByteOrder.nativeOrder());
    mapping.putLong(PerfAbi.PAGE_DATA_OFFSET, pageSize);
    mapping.putLong(PerfAbi.PAGE_DATA_SIZE, dataSize);
    PerfRing ring = PerfRing.overBuffer(mapping, pageSize);
    ByteBuffer b = mapping.slice(pageSize, dataSize).order(ByteOrder.nativeOrder());
    long head = 0;
    EventBatch batch = new EventBatch(1 << 14);
    EventBatch next = new EventBatch(1 << 14);
    long time = 1_000_000;
    for (int round = 0; round < rounds; round++) {
      b.clear();
      for (int k = 0; k < calls; k++) {
        long address = 0x10000L + 64L * k;
        put(b, 1, entrySize, ++time, layout.entryRegCount(), 0, 48, -1);
        int regs = dump < 0 ? layout.returnRegCount() : layout.dumpRegCount();
        put(b, 2, returnSize, ++time, regs, 5, address, dump);
        put(b, 3, entrySize, ++time, layout.entryRegCount(), 0, address, -1);
      }
      // the ring starts empty each round: head and tail at the same multiple of its size
      head += dataSize - (head % dataSize);
      mapping.putLong(PerfAbi.PAGE_DATA_TAIL, head);
      ring.resetTail(head);
      head += b.position();
      mapping.putLong(PerfAbi.PAGE_DATA_HEAD, head);
      decoder.into(batch);
      ring.drain(decoder);
      int ready = batch.sort(time - 100);
      for (int k = 0; k < ready; k++) {
        pairing.process(batch, batch.indexAt(k));
      }
      next.clear();
      batch.carryOver(ready, next);
      EventBatch swap = batch;
      batch = next;
      next = swap;
    }
  }

  /**
   * A sample record: header, id, pid/tid, time, [callchain], abi, registers (all = value), [a user
   * stack dump of {@code dump} bytes when not negative].
   */
  private static void put(
      ByteBuffer b, long id, int size, long time, int regs, int frames, long value, int dump) {
    b.putInt(PerfAbi.RECORD_SAMPLE).putShort((short) 0).putShort((short) size);
    b.putLong(id).putInt(7).putInt(7).putLong(time);
    if (id == 2) {
      b.putLong(frames + 1).putLong(PerfAbi.CONTEXT_USER);
      for (int f = 0; f < frames; f++) {
        b.putLong(0x401000L + f);
      }
    }
    b.putLong(PerfAbi.REGS_ABI_64);
    for (int r = 0; r < regs; r++) {
      b.putLong(value);
    }
    if (dump >= 0) {
      b.putLong(dump);
      b.position(b.position() + dump);
      b.putLong(dump);
    }
  }
}
