package io.leakdetector.etw.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A heap event's stack in two StackWalk fragments, built byte by byte: the kernel part first, the
 * user part (walked when the thread leaves the kernel) after it, as PerfView's TraceLog merges
 * them. Without the merge the event kept the kernel fragment alone — an empty stack once kernel
 * frames are dropped — and the user fragment was counted unmatched.
 */
class SplitStackTest {
  static final int PID = 7408;
  static final int T1 = 0x2b04;
  static final long HEAP = 0x2a0_0000L;
  static final long K1 = 0xFFFFF802_1000_0010L;
  static final long K2 = 0xFFFFF802_1000_0020L;
  static final long U1 = 0x7ffa_5550_9000L;
  static final long U2 = 0x7ff6_1234_1000L;

  final EventRecords records = new EventRecords();
  final RecordingSink sink = new RecordingSink();
  final SourceCounters counters = new SourceCounters();

  @AfterEach
  void release() {
    records.release();
  }

  HeapEventDecoder decoder(boolean kernelFrames) {
    HeapEventDecoder decoder =
        new HeapEventDecoder(PID, sink, kernelFrames, counters, new CallbackFailures());
    decoder.setClock(new QpcClock(10_000_000L));
    return decoder;
  }

  static void feed(HeapEventDecoder decoder, Memory... events) {
    for (Memory event : events) {
      decoder.onEvent(event);
    }
  }

  @Test
  void theUserFragmentCompletesTheKernelFragmentOfTheSameEvent() {
    HeapEventDecoder decoder = decoder(false);
    feed(
        decoder,
        records.alloc(8, PID, T1, 100, HEAP, 32, 0x1000),
        records.stack(8, PID, T1, 100, K1, K2),
        records.stack(8, PID, T1, 100, U1, U2));
    assertThat(sink.calls)
        .containsExactly("alloc 0x2a00000 0x1000 32 [0x7ffa55509000, 0x7ff612341000]");
    assertThat(counters.get(SourceCounters.STACKS_MERGED)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.STACKS_UNMATCHED)).isZero();
    assertThat(counters.get(SourceCounters.STACKS_MISSING)).isZero();
  }

  @Test
  void withKernelFramesTheStackIsKernelPartThenUserPart() {
    HeapEventDecoder decoder = decoder(true);
    feed(
        decoder,
        records.alloc(8, PID, T1, 100, HEAP, 32, 0x1000),
        records.stack(8, PID, T1, 100, K1, K2),
        records.stack(8, PID, T1, 100, U1, U2));
    assertThat(sink.calls)
        .containsExactly(
            "alloc 0x2a00000 0x1000 32 [0xfffff80210000010, 0xfffff80210000020, 0x7ffa55509000,"
                + " 0x7ff612341000]");
  }

  @Test
  void aUserFragmentWithItsOwnTimestampCompletesTheThreadsOpenKernelFragments() {
    HeapEventDecoder decoder = decoder(false);
    feed(
        decoder,
        records.alloc(8, PID, T1, 100, HEAP, 32, 0x1000),
        records.stack(8, PID, T1, 100, K1),
        records.stack(8, PID, T1, 105, U1, U2)); // walked on the way out of the kernel, later
    assertThat(sink.calls)
        .containsExactly("alloc 0x2a00000 0x1000 32 [0x7ffa55509000, 0x7ff612341000]");
    assertThat(counters.get(SourceCounters.STACKS_MERGED)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.STACKS_UNMATCHED)).isZero();
  }

  @Test
  void aKernelFragmentThatArrivesFirstWaitsForItsEventAndItsUserPart() {
    HeapEventDecoder decoder = decoder(false);
    feed(
        decoder,
        records.stack(8, PID, T1, 100, K1),
        records.alloc(8, PID, T1, 100, HEAP, 32, 0x1000));
    assertThat(sink.calls).isEmpty(); // a kernel-only stack is not complete
    feed(decoder, records.stack(8, PID, T1, 100, U1));
    assertThat(sink.calls).containsExactly("alloc 0x2a00000 0x1000 32 [0x7ffa55509000]");
  }

  @Test
  void anEventWhoseUserPartNeverCameKeepsItsKernelPartAndIsCounted() {
    HeapEventDecoder decoder = decoder(true);
    feed(
        decoder,
        records.alloc(8, PID, T1, 100, HEAP, 32, 0x1000),
        records.stack(8, PID, T1, 100, K1),
        records.free(8, PID, T1, 200, HEAP, 0x1000)); // the thread moved on
    assertThat(sink.calls)
        .containsExactly("alloc 0x2a00000 0x1000 32 [0xfffff80210000010]", "free 0x2a00000 0x1000");
    assertThat(counters.get(SourceCounters.STACKS_KERNEL_ONLY)).isEqualTo(1);
    assertThat(counters.get(SourceCounters.STACKS_MISSING)).isZero();
    assertThat(counters.get(SourceCounters.STACKS_UNMATCHED)).isZero();
  }

  @Test
  void withoutKernelFramesSuchAnEventHasAnEmptyStackAtTheEnd() {
    HeapEventDecoder decoder = decoder(false);
    feed(
        decoder,
        records.alloc(8, PID, T1, 100, HEAP, 32, 0x1000),
        records.stack(8, PID, T1, 100, K1));
    decoder.flush();
    assertThat(sink.calls).containsExactly("alloc 0x2a00000 0x1000 32 []");
    assertThat(counters.get(SourceCounters.STACKS_KERNEL_ONLY)).isEqualTo(1);
  }

  @Test
  void aWholeStackInOneFragmentIsNotHeldBack() {
    HeapEventDecoder decoder = decoder(false);
    feed(
        decoder,
        records.alloc(8, PID, T1, 100, HEAP, 32, 0x1000),
        records.stack(8, PID, T1, 100, K1, K2, U1, U2));
    assertThat(sink.calls)
        .containsExactly("alloc 0x2a00000 0x1000 32 [0x7ffa55509000, 0x7ff612341000]");
    assertThat(counters.get(SourceCounters.STACKS_MERGED)).isZero();
  }
}
