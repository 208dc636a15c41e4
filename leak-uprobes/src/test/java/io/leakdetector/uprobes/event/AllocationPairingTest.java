package io.leakdetector.uprobes.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.probe.AllocatorFunction.Kind;
import io.leakdetector.uprobes.testing.RecordingSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pairing and allocator semantics on hand-made event sequences. */
class AllocationPairingTest {
  static final int MALLOC = 0;
  static final int CALLOC = 1;
  static final int REALLOC = 2;
  static final int REALLOCARRAY = 3;
  static final int FREE = 4;
  static final int POSIX_MEMALIGN = 5;
  static final int MEMALIGN = 6;

  RecordingSink sink;
  AllocationPairing pairing;
  EventBatch batch;
  List<Integer> exited;
  long time;

  @BeforeEach
  void setUp() {
    sink = new RecordingSink(-1);
    exited = new ArrayList<>();
    pairing = new AllocationPairing(sink, (address, fallback) -> fallback, exited::add);
    pairing.siteKinds(
        new Kind[] {
          Kind.SIZE_ARG0,
          Kind.CALLOC,
          Kind.REALLOC,
          Kind.REALLOCARRAY,
          Kind.FREE,
          Kind.POSIX_MEMALIGN,
          Kind.SIZE_ARG1
        });
    batch = new EventBatch(16);
    time = 1_000_000;
  }

  void entry(int tid, int site, long a0, long a1, long a2) {
    int i = batch.add(EventBatch.ENTRY, time += 10, tid, site);
    batch.setValues(i, a0, a1, a2);
    pairing.process(batch, i);
  }

  void ret(int tid, int site, long result) {
    int i = batch.add(EventBatch.RETURN, time += 10, tid, site);
    batch.setValues(i, result, 0, 0);
    batch.setFrames(i, new long[] {site}, 1);
    pairing.process(batch, i);
  }

  @Test
  void mallocCallocAndFree() {
    entry(1, MALLOC, 100, 0, 0);
    ret(1, MALLOC, 0x1000);
    entry(1, CALLOC, 3, 333, 0);
    ret(1, CALLOC, 0x2000);
    entry(1, FREE, 0x1000, 0, 0);
    entry(1, FREE, 0, 0, 0); // free(NULL): nothing
    assertThat(sink.live()).containsOnlyKeys(0x2000L);
    assertThat(sink.live().get(0x2000L).size()).isEqualTo(999);
    assertThat(sink.frees).isEqualTo(1);
  }

  @Test
  void reallocInAllItsForms() {
    entry(1, MALLOC, 10, 0, 0);
    ret(1, MALLOC, 0x1000);
    entry(1, REALLOC, 0x1000, 500, 0); // moves
    ret(1, REALLOC, 0x3000);
    entry(1, REALLOC, 0x3000, 400, 0); // in place
    ret(1, REALLOC, 0x3000);
    entry(1, REALLOC, 0x3000, 1L << 50, 0); // fails: block stays
    ret(1, REALLOC, 0);
    entry(1, REALLOC, 0, 77, 0); // realloc(NULL, n) = malloc
    ret(1, REALLOC, 0x5000);
    assertThat(sink.live()).containsOnlyKeys(0x3000L, 0x5000L);
    assertThat(sink.live().get(0x3000L).size()).isEqualTo(400);
    entry(1, REALLOC, 0x5000, 0, 0); // realloc(p, 0) = free in glibc
    ret(1, REALLOC, 0);
    assertThat(sink.live()).containsOnlyKeys(0x3000L);
    assertThat(pairing.failedCalls()).isEqualTo(1);
  }

  @Test
  void nestedCallsAreReportedOnceByTheOuterCall() {
    // reallocarray(NULL, 10, 50) -> realloc(NULL, 500) -> malloc(500): three returns, one alloc
    entry(1, REALLOCARRAY, 0, 10, 50);
    entry(1, REALLOC, 0, 500, 0);
    entry(1, MALLOC, 500, 0, 0);
    ret(1, MALLOC, 0x7000);
    ret(1, REALLOC, 0x7000);
    ret(1, REALLOCARRAY, 0x7000);
    // realloc(p, 0) calls free(p) inside: one free
    entry(1, REALLOC, 0x7000, 0, 0);
    entry(1, FREE, 0x7000, 0, 0);
    ret(1, REALLOC, 0);
    assertThat(sink.allocs).isEqualTo(1);
    assertThat(sink.frees).isEqualTo(1);
    assertThat(sink.unmatchedFrees).isZero();
    assertThat(sink.impliedFrees).isZero();
    assertThat(sink.live()).isEmpty();
    assertThat(pairing.nestedCalls()).isEqualTo(3);
  }

  @Test
  void threadsArePairedSeparatelyAndFreesCrossThreads() {
    entry(1, MALLOC, 8, 0, 0);
    entry(2, MALLOC, 16, 0, 0);
    ret(2, MALLOC, 0x2000);
    ret(1, MALLOC, 0x1000);
    entry(2, FREE, 0x1000, 0, 0);
    assertThat(sink.live()).containsOnlyKeys(0x2000L);
    assertThat(sink.live().get(0x2000L).size()).isEqualTo(16);
  }

  @Test
  void aLossDropsPendingEntriesAndAReturnWithoutEntryIsIgnored() {
    entry(1, MALLOC, 8, 0, 0);
    int i = batch.add(EventBatch.LOST, time += 10, 0, -1);
    batch.setValues(i, 5, 0, 0);
    pairing.process(batch, i);
    ret(1, MALLOC, 0x1000); // its entry was dropped: the block is not invented
    assertThat(sink.lost).isEqualTo(5);
    assertThat(sink.live()).isEmpty();
    assertThat(pairing.unpairedReturns()).isEqualTo(1);
  }

  @Test
  void aStaleEntryDoesNotSwallowLaterCalls() {
    entry(1, REALLOC, 0x9000, 100, 0); // its return is never seen
    time += AllocationPairing.STALE_NANOS + 1;
    entry(1, MALLOC, 8, 0, 0);
    ret(1, MALLOC, 0x1000);
    assertThat(sink.live()).containsOnlyKeys(0x1000L);
    assertThat(pairing.staleEntries()).isEqualTo(1);
  }

  @Test
  void posixMemalignReadsThePointerFromTheStackDump() {
    entry(1, POSIX_MEMALIGN, 0x7ffd0010, 64, 2048);
    int i = batch.add(EventBatch.RETURN, time += 10, 1, POSIX_MEMALIGN);
    long sp = 0x7ffd0000L;
    int at = batch.reserveDump(64);
    long pointer = 0x55550040L;
    for (int k = 0; k < 8; k++) {
      batch.dumps()[at + 0x10 + k] = (byte) (pointer >>> (8 * k));
    }
    batch.setValues(i, 0, sp, 64);
    batch.setAux(i, at);
    batch.setV3(i, 0xdead);
    batch.setFrames(i, new long[] {1}, 1);
    pairing.process(batch, i);
    assertThat(sink.live()).containsOnlyKeys(pointer);
    assertThat(sink.live().get(pointer).size()).isEqualTo(2048);
    assertThat(pairing.posixMemalignExact()).isEqualTo(1);
  }

  @Test
  void memalignReportsItsSecondArgument() {
    entry(1, MEMALIGN, 4096, 1000, 0);
    ret(1, MEMALIGN, 0x4000);
    assertThat(sink.live().get(0x4000L).size()).isEqualTo(1000);
  }

  @Test
  void threadExitIsPassedOn() {
    int i = batch.add(EventBatch.EXIT, time += 10, 42, -1);
    pairing.process(batch, i);
    assertThat(exited).containsExactly(42);
  }
}
