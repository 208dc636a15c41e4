package io.leakdetector.etw.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.leakdetector.SortOrder;
import io.leakdetector.etw.decode.RecordingSink.Block;
import io.leakdetector.etw.decode.RecordingSink.Live;
import io.leakdetector.internal.engine.EngineConfig;
import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.HeapEngine;
import io.leakdetector.internal.engine.RawStack;
import io.leakdetector.internal.engine.SnapshotQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * EVENT_RECORDs laid out byte by byte in native memory, for x64 (8-byte) and WOW64 (4-byte) heap
 * payloads, decode to the exact outstanding blocks and stacks; the same stream also drives the real
 * HeapEngine.
 */
class HeapEventDecoderTest {
  static final int PID = 7408;
  static final int OTHER_PID = 912;
  static final int T1 = 0x1a04;
  static final int T2 = 0x2b08;
  static final long HEAP = 0x00000000_02a0_0000L;
  static final long HEAP2 = 0x00000000_0450_0000L;
  static final long FREQUENCY = 10_000_000L; // QPC ticks per second on Windows 10+

  final EventRecords records = new EventRecords();
  final HeapEngine engine = new HeapEngine(EngineConfig.DEFAULT);
  final RecordingSink sink = new RecordingSink(engine);
  final SourceCounters counters = new SourceCounters();
  final CallbackFailures failures = new CallbackFailures();
  HeapEventDecoder decoder = newDecoder(false);

  HeapEventDecoder newDecoder(boolean kernelFrames) {
    HeapEventDecoder created = new HeapEventDecoder(PID, sink, kernelFrames, counters, failures);
    created.setClock(new QpcClock(FREQUENCY));
    return created;
  }

  @AfterEach
  void release() {
    records.release();
  }

  void feed(Memory... events) {
    for (Memory event : events) {
      decoder.onEvent(event);
    }
  }

  /** Addresses that fit the pointer size: a WOW64 process has 32-bit ones. */
  static long address(int p, long low) {
    return p == 8 ? 0x0000_01f4_0000_0000L | low : low;
  }

  @ParameterizedTest(name = "pointer size {0}")
  @ValueSource(ints = {8, 4})
  void allocWithStackAfterItsEvent(int p) {
    long a = address(p, 0x1000);
    feed(records.alloc(p, PID, T1, 1_000, HEAP, 100, a));
    assertThat(sink.calls).isEmpty(); // held for its stack
    feed(records.stack(8, PID, T1, 1_000, 0x7ffa_0000_1111L, 0x7ffa_0000_2222L));
    decoder.flush();
    assertThat(sink.calls)
        .containsExactly(
            "alloc 0x2a00000 " + RecordingSink.hex(a) + " 100 [0x7ffa00001111, 0x7ffa00002222]");
    assertThat(sink.outstanding)
        .containsExactly(
            Map.entry(
                new Block(HEAP, a), new Live(100, List.of(0x7ffa_0000_1111L, 0x7ffa_0000_2222L))));
    assertThat(sink.times).containsExactly(100_000L); // 1000 ticks at 10 MHz = 100 µs
    assertThat(counters.get(SourceCounters.STACKS_MISSING)).isZero();
  }

  @ParameterizedTest(name = "pointer size {0}")
  @ValueSource(ints = {8, 4})
  void stackBeforeItsEvent(int p) {
    long a = address(p, 0x2000);
    feed(records.stack(8, PID, T1, 2_000, 0x401000L, 0x402000L));
    feed(records.alloc(p, PID, T1, 2_000, HEAP, 48, a));
    assertThat(sink.outstanding)
        .containsExactly(
            Map.entry(new Block(HEAP, a), new Live(48, List.of(0x401000L, 0x402000L))));
    decoder.flush();
    assertThat(counters.get(SourceCounters.STACKS_UNMATCHED)).isZero();
  }

  @ParameterizedTest(name = "pointer size {0}")
  @ValueSource(ints = {8, 4})
  void allocFreeReallocDestroyEndState(int p) {
    long a = address(p, 0x1000);
    long b = address(p, 0x2000);
    long c = address(p, 0x3000);
    long d = address(p, 0x4000);
    long e = address(p, 0x5000);
    feed(
        // a: allocated then freed
        records.alloc(p, PID, T1, 10, HEAP, 16, a),
        records.stack(8, PID, T1, 10, 0xA1),
        records.free(p, PID, T2, 11, HEAP, a),
        // b: allocated, then resized in place by a realloc with its own stack
        records.alloc(p, PID, T1, 20, HEAP, 32, b),
        records.stack(8, PID, T1, 20, 0xB1),
        records.realloc(p, PID, T1, 21, HEAP, b, b, 64, 32),
        records.stack(8, PID, T1, 21, 0xB2),
        // c: allocated on HEAP2, which is then destroyed
        records.alloc(p, PID, T2, 30, HEAP2, 7, c),
        records.stack(8, PID, T2, 30, 0xC1),
        records.destroy(p, PID, T2, 31, HEAP2),
        // d moves to e: inner alloc (with stack), inner free, then the realloc (with stack)
        records.alloc(p, PID, T1, 40, HEAP, 10, d),
        records.stack(8, PID, T1, 40, 0xD1),
        records.alloc(p, PID, T1, 41, HEAP, 20, e),
        records.stack(8, PID, T1, 41, 0xE1, 0xD2),
        records.free(p, PID, T1, 42, HEAP, d),
        records.realloc(p, PID, T1, 43, HEAP, e, d, 20, 10),
        records.stack(8, PID, T1, 43, 0xE2));
    decoder.flush();
    assertThat(sink.outstanding)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                new Block(HEAP, b), new Live(64, List.of(0xB2L)),
                new Block(HEAP, e), new Live(20, List.of(0xE1L, 0xD2L))));
    assertThat(sink.calls)
        .containsExactly(
            "alloc 0x2a00000 " + RecordingSink.hex(a) + " 16 [0xa1]",
            "free 0x2a00000 " + RecordingSink.hex(a),
            "alloc 0x2a00000 " + RecordingSink.hex(b) + " 32 [0xb1]",
            "realloc 0x2a00000 "
                + RecordingSink.hex(b)
                + "->"
                + RecordingSink.hex(b)
                + " 64 [0xb2]",
            "alloc 0x4500000 " + RecordingSink.hex(c) + " 7 [0xc1]",
            "destroy 0x4500000",
            "alloc 0x2a00000 " + RecordingSink.hex(d) + " 10 [0xd1]",
            "alloc 0x2a00000 " + RecordingSink.hex(e) + " 20 [0xe1, 0xd2]",
            "free 0x2a00000 " + RecordingSink.hex(d));
    assertThat(counters.get(SourceCounters.MOVING_REALLOCS)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.REALLOCS_COMPLETED)).isZero();
    assertThat(counters.get(SourceCounters.STACKS_MISSING)).isZero();
    assertThat(counters.get(SourceCounters.STACKS_UNMATCHED)).isZero();
    assertThat(counters.get(SourceCounters.HEAP_EVENTS)).isEqualTo(10);
    assertThat(counters.get(SourceCounters.STACK_EVENTS)).isEqualTo(7);
    assertEngineHolds(
        Map.of(List.of(0xB2L), new long[] {1, 64}, List.of(0xE1L, 0xD2L), new long[] {1, 20}));
  }

  @ParameterizedTest(name = "pointer size {0}")
  @ValueSource(ints = {8, 4})
  void movingReallocWithoutInnerFreeFreesTheOldBlock(int p) {
    long d = address(p, 0x4000);
    long e = address(p, 0x5000);
    feed(
        records.alloc(p, PID, T1, 40, HEAP, 10, d),
        records.stack(8, PID, T1, 40, 0xD1),
        records.alloc(p, PID, T1, 41, HEAP, 20, e),
        records.stack(8, PID, T1, 41, 0xE1),
        records.realloc(p, PID, T1, 43, HEAP, e, d, 20, 10),
        records.stack(8, PID, T1, 43, 0xE2));
    decoder.flush();
    assertThat(sink.outstanding)
        .containsExactly(Map.entry(new Block(HEAP, e), new Live(20, List.of(0xE1L))));
    assertThat(sink.calls).last().isEqualTo("free 0x2a00000 " + RecordingSink.hex(d));
    assertThat(counters.get(SourceCounters.REALLOCS_COMPLETED)).isEqualTo(1);
    assertEngineHolds(Map.of(List.of(0xE1L), new long[] {1, 20}));
  }

  @ParameterizedTest(name = "pointer size {0}")
  @ValueSource(ints = {8, 4})
  void movingReallocWithoutInnerEventsIsARealloc(int p) {
    long d = address(p, 0x4000);
    long e = address(p, 0x5000);
    feed(
        records.alloc(p, PID, T1, 40, HEAP, 10, d),
        records.stack(8, PID, T1, 40, 0xD1),
        records.realloc(p, PID, T1, 43, HEAP, e, d, 20, 10),
        records.stack(8, PID, T1, 43, 0xE2));
    decoder.flush();
    assertThat(sink.outstanding)
        .containsExactly(Map.entry(new Block(HEAP, e), new Live(20, List.of(0xE2L))));
    assertThat(sink.calls)
        .last()
        .isEqualTo(
            "realloc 0x2a00000 "
                + RecordingSink.hex(d)
                + "->"
                + RecordingSink.hex(e)
                + " 20 [0xe2]");
  }

  @ParameterizedTest(name = "pointer size {0}")
  @ValueSource(ints = {8, 4})
  void movingReallocWithOnlyAnInnerFreeAllocatesTheNewBlock(int p) {
    long d = address(p, 0x4000);
    long e = address(p, 0x5000);
    feed(
        records.alloc(p, PID, T1, 40, HEAP, 10, d),
        records.stack(8, PID, T1, 40, 0xD1),
        records.free(p, PID, T1, 42, HEAP, d),
        records.realloc(p, PID, T1, 43, HEAP, e, d, 20, 10),
        records.stack(8, PID, T1, 43, 0xE2));
    decoder.flush();
    assertThat(sink.outstanding)
        .containsExactly(Map.entry(new Block(HEAP, e), new Live(20, List.of(0xE2L))));
    assertThat(sink.calls)
        .last()
        .isEqualTo("alloc 0x2a00000 " + RecordingSink.hex(e) + " 20 [0xe2]");
  }

  @Test
  void eventsOfOtherProcessesAreIgnored() {
    feed(
        records.alloc(8, OTHER_PID, T1, 5, HEAP, 8, 0x9000),
        records.stack(8, OTHER_PID, T1, 5, 0x1),
        records.free(8, OTHER_PID, T1, 6, HEAP, 0x9000),
        records.alloc(8, PID, T1, 7, HEAP, 8, 0x9000),
        records.stack(8, PID, T1, 7, 0x2));
    decoder.flush();
    assertThat(sink.outstanding)
        .containsExactly(Map.entry(new Block(HEAP, 0x9000), new Live(8, List.of(0x2L))));
    assertThat(counters.get(SourceCounters.OTHER_PROCESS_EVENTS)).isEqualTo(3);
  }

  @Test
  void anEventWhoseStackNeverComesIsDeliveredWhenItsThreadMovesOn() {
    feed(records.alloc(8, PID, T1, 100, HEAP, 8, 0x1000));
    feed(records.free(8, PID, T2, 101, HEAP, 0x7777)); // another thread: still held, in order
    assertThat(sink.calls).isEmpty();
    feed(records.alloc(8, PID, T1, 102, HEAP, 8, 0x2000)); // T1 logged again: no stack for 100
    assertThat(sink.calls).containsExactly("alloc 0x2a00000 0x1000 8 []", "free 0x2a00000 0x7777");
    feed(records.stack(8, PID, T1, 102, 0x42));
    assertThat(sink.calls).hasSize(3).last().isEqualTo("alloc 0x2a00000 0x2000 8 [0x42]");
    assertThat(counters.get(SourceCounters.STACKS_MISSING)).isEqualTo(1);
    assertEngineHolds(Map.of(List.of(), new long[] {1, 8}, List.of(0x42L), new long[] {1, 8}));
  }

  @Test
  void aStackWithNoEventIsCounted() {
    feed(records.stack(8, PID, T1, 500, 0x1, 0x2));
    feed(records.alloc(8, PID, T1, 600, HEAP, 8, 0x1000)); // T1 moved past 500
    feed(records.stack(8, PID, T1, 600, 0x3));
    feed(records.stack(8, PID, T2, 700, 0x4)); // never claimed
    decoder.flush();
    assertThat(counters.get(SourceCounters.STACKS_UNMATCHED)).isEqualTo(2);
    assertThat(sink.outstanding)
        .containsExactly(Map.entry(new Block(HEAP, 0x1000), new Live(8, List.of(0x3L))));
  }

  @Test
  void aFreeOnAnotherThreadWaitsBehindTheAllocItFrees() {
    feed(records.alloc(8, PID, T1, 10, HEAP, 8, 0x1000));
    feed(records.free(8, PID, T2, 11, HEAP, 0x1000));
    feed(records.stack(8, PID, T1, 10, 0x5));
    assertThat(sink.calls)
        .containsExactly("alloc 0x2a00000 0x1000 8 [0x5]", "free 0x2a00000 0x1000");
    assertThat(sink.outstanding).isEmpty();
    assertEngineHolds(Map.of());
  }

  @Test
  void kernelFramesAreDroppedUnlessAskedFor() {
    feed(
        records.alloc(8, PID, T1, 10, HEAP, 8, 0x1000),
        records.stack(8, PID, T1, 10, 0xFFFFF802_1234_5678L, 0x7FFA_1111_0000L));
    decoder.flush();
    decoder = newDecoder(true);
    feed(
        records.alloc(8, PID, T1, 20, HEAP, 8, 0x2000),
        records.stack(8, PID, T1, 20, 0xFFFFF802_1234_5678L, 0x7FFA_1111_0000L));
    decoder.flush();
    assertThat(sink.outstanding.get(new Block(HEAP, 0x1000)).frames())
        .containsExactly(0x7FFA_1111_0000L);
    assertThat(sink.outstanding.get(new Block(HEAP, 0x2000)).frames())
        .containsExactly(0xFFFFF802_1234_5678L, 0x7FFA_1111_0000L);
  }

  @Test
  void aThirtyTwoBitStackWalkHasFourByteFrames() {
    feed(
        records.alloc(4, PID, T1, 10, HEAP, 8, 0x1000),
        records.stack(4, PID, T1, 10, 0x7701_2345L, 0x0040_1000L, 0x8123_0000L));
    decoder.flush();
    assertThat(sink.outstanding.get(new Block(HEAP, 0x1000)).frames())
        .containsExactly(0x7701_2345L, 0x0040_1000L);
  }

  @Test
  void aStackInTheEventsExtendedDataIsUsed() {
    feed(records.allocWithExtendedStack(PID, T1, 10, HEAP, 24, 0x1000, 0x11, 0x22, 0x33));
    assertThat(sink.calls).containsExactly("alloc 0x2a00000 0x1000 24 [0x11, 0x22, 0x33]");
  }

  @Test
  void shortPayloadsAndOtherEventsAreCountedNotDecoded() {
    Memory truncated =
        records.record(
            EventRecords.HEAP_GUID,
            0x21,
            EventRecords.FLAG_64_BIT,
            PID,
            T1,
            1,
            new byte[27],
            null,
            0);
    Memory header =
        records.record(
            EventRecords.EVENT_TRACE_GUID,
            0,
            EventRecords.FLAG_64_BIT,
            PID,
            T1,
            1,
            new byte[16],
            null,
            0);
    Memory heapCreate = records.heap(0x20, 8, PID, T1, 2, HEAP, 0x2);
    Memory lostEvent =
        records.record(EventRecords.LOST_EVENT_GUID, 32, 0, -1, -1, 3, new byte[0], null, 0);
    Memory lostBuffer =
        records.record(EventRecords.LOST_EVENT_GUID, 33, 0, -1, -1, 4, new byte[0], null, 0);
    feed(truncated, header, heapCreate, lostEvent, lostBuffer);
    decoder.flush();
    assertThat(sink.calls).isEmpty();
    assertThat(counters.get(SourceCounters.MALFORMED_EVENTS)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.OTHER_EVENTS)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.OTHER_HEAP_EVENTS)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.RT_LOST_EVENTS)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.RT_LOST_BUFFERS)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.EVENTS)).isEqualTo(5);
  }

  @Test
  void aFullPendingTableDeliversTheOldestWithoutItsStack() {
    decoder = new HeapEventDecoder(PID, sink, false, counters, failures, 4, 4);
    decoder.setClock(new QpcClock(FREQUENCY));
    for (int i = 0; i < 6; i++) {
      feed(records.alloc(8, PID, T1 + 4 * i, 10 + i, HEAP, 8, 0x1000 + 0x10 * i)); // six threads
    }
    assertThat(sink.calls).hasSize(2);
    assertThat(counters.get(SourceCounters.PENDING_OVERFLOWS)).isEqualTo(2);
    feed(records.stack(8, PID, T1 + 8, 12, 0x99));
    decoder.flush();
    assertThat(sink.calls).hasSize(6);
    assertThat(sink.calls.get(2)).isEqualTo("alloc 0x2a00000 0x1020 8 [0x99]");
    assertThat(counters.get(SourceCounters.STACKS_MISSING)).isEqualTo(5);
  }

  @Test
  void aStackTheSinkCannotInternIsDeliveredAsStackMinusOne() {
    List<String> delivered = new java.util.ArrayList<>();
    DecoderAllocationTest.CountingSink full =
        new DecoderAllocationTest.CountingSink() {
          @Override
          public int internStack(long[] frames, int offset, int length) {
            return -1; // the engine's answer when its stack table cannot grow
          }

          @Override
          public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
            delivered.add(Long.toHexString(address) + " on " + stackId);
          }
        };
    HeapEventDecoder decoder = new HeapEventDecoder(PID, full, false, counters, failures);
    decoder.onEvent(records.alloc(8, PID, T1, 10, HEAP, 8, 0x1000));
    decoder.onEvent(records.stack(8, PID, T1, 10, 0x5));
    assertThat(delivered).containsExactly("1000 on -1"); // delivered at once, not held
    decoder.onEvent(records.stack(8, PID, T2, 20, 0x6));
    decoder.onEvent(records.alloc(8, PID, T2, 20, HEAP, 8, 0x2000)); // early-stack path
    assertThat(delivered).containsExactly("1000 on -1", "2000 on -1");
    assertThat(counters.get(SourceCounters.STACKS_MISSING)).isZero();
  }

  @Test
  void theCallbackNeverThrows() {
    HeapEventDecoder throwing =
        new HeapEventDecoder(
            PID,
            new RecordingSink() {
              @Override
              public void onFree(long timeNanos, long heap, long address) {
                throw new IllegalStateException("sink failure");
              }
            },
            false,
            counters,
            failures);
    throwing.onEvent(records.free(8, PID, T1, 1, HEAP, 0x10));
    throwing.onEvent(records.free(8, PID, T1, 2, HEAP, 0x20));
    assertThat(counters.get(SourceCounters.CALLBACK_FAILURES)).isEqualTo(2);
    // The cause is kept (and logged through System.Logger), not only counted.
    assertThat(failures.last())
        .isEqualTo("heap event callback: java.lang.IllegalStateException: sink failure");
  }

  @Test
  void rawTimestampsBecomeNanoseconds() {
    assertThat(new QpcClock(10_000_000L).toNanos(12_345_678_901L)).isEqualTo(1_234_567_890_100L);
    assertThat(new QpcClock(3_579_545L).toNanos(3_579_545L * 86_400 * 365))
        .isEqualTo(86_400L * 365 * 1_000_000_000L);
    assertThat(new QpcClock(2_400_000_000L).toNanos(Long.MAX_VALUE))
        .isEqualTo(3_843_071_682_022_823_252L);
  }

  @Test
  void everyBurstIsBracketedAsABatch() {
    feed(records.alloc(8, PID, T1, 10, HEAP, 8, 0x1000), records.stack(8, PID, T1, 10, 0x5));
    decoder.endOfBuffer();
    feed(records.free(8, PID, T1, 11, HEAP, 0x1000));
    decoder.endOfBuffer();
    assertThat(sink.batches).isEqualTo(2);
    assertThat(sink.batchDepth).isZero();
  }

  /** The engine's outstanding count and bytes per stack (frames → {count, bytes}). */
  private void assertEngineHolds(Map<List<Long>, long[]> expected) {
    EngineSnapshot snapshot =
        engine.snapshot(new SnapshotQuery(SortOrder.COUNT, 0, 1, 0, System.nanoTime(), false));
    assertThat(snapshot.stacks()).hasSize(expected.size());
    long blocks = 0;
    for (RawStack stack : snapshot.stacks()) {
      List<Long> frames = java.util.Arrays.stream(stack.frames()).boxed().toList();
      assertThat(expected).containsKey(frames);
      assertThat(new long[] {stack.outstandingCount(), stack.outstandingBytes()})
          .as("stack %s", frames)
          .containsExactly(expected.get(frames));
      blocks += stack.outstandingCount();
    }
    assertThat(engine.blockCount()).isEqualTo((int) blocks);
  }
}
