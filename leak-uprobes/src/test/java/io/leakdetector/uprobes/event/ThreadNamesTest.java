package io.leakdetector.uprobes.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.StackReport;
import io.leakdetector.spi.ForwardingHeapEventSink;
import io.leakdetector.spi.HeapEventSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cache of thread names: one read per thread, again when stale, and exited threads. */
class ThreadNamesTest {
  private final Map<Integer, String> live = new HashMap<>();
  private final List<Integer> readsOf = new ArrayList<>();
  private final List<String> interned = new ArrayList<>();

  /** A sink that numbers names in order of first appearance, from 1. */
  private final HeapEventSink sink =
      new ForwardingHeapEventSink(HeapEventSink.NONE) {
        @Override
        public int internThreadName(String name) {
          if (!interned.contains(name)) {
            interned.add(name);
          }
          return interned.indexOf(name) + 1;
        }
      };

  private final ThreadNames names =
      new ThreadNames(
          sink,
          tid -> {
            readsOf.add(tid);
            return live.get(tid);
          });

  @Test
  void aThreadsNameIsReadOnceWhileFresh() {
    live.put(101, "worker-a");
    live.put(102, "worker-b");
    long t = System.nanoTime();
    assertThat(names.id(101, t)).isEqualTo(1);
    assertThat(names.id(102, t)).isEqualTo(2);
    for (int k = 0; k < 100; k++) {
      assertThat(names.id(101, t + k)).isEqualTo(1);
    }
    assertThat(readsOf).containsExactly(101, 102);
  }

  @Test
  void aRenamedThreadIsReadAgainOnceItsNameIsStale() {
    live.put(7, "java");
    long t = System.nanoTime();
    assertThat(names.id(7, t)).isEqualTo(1);
    live.put(7, "C2 CompilerThre");
    assertThat(names.id(7, t + 1000)).isEqualTo(1);
    assertThat(names.id(7, System.nanoTime() + ThreadNames.REFRESH_NANOS)).isEqualTo(2);
    assertThat(interned).containsExactly("java", "C2 CompilerThre");
    assertThat(readsOf).containsExactly(7, 7);
  }

  @Test
  void aThreadGoneBeforeItsNameWasReadIsNamedExitedAndCounted() {
    long t = System.nanoTime();
    assertThat(names.id(55, t)).isEqualTo(1);
    assertThat(interned).containsExactly(StackReport.EXITED_THREAD);
    Map<String, Long> counters = new HashMap<>();
    names.putCounters(counters);
    assertThat(counters).containsEntry("threadsExitedBeforeNamed", 1L);
    assertThat(counters).containsEntry("threadNameReads", 1L);
  }

  @Test
  void anExitedThreadsIdIsANewThreadWhenReused() {
    live.put(9, "worker-a");
    long t = System.nanoTime();
    assertThat(names.id(9, t)).isEqualTo(1);
    names.forget(9);
    live.put(9, "worker-b");
    assertThat(names.id(9, t + 1)).isEqualTo(2);
  }

  @Test
  void beyondTheLimitTheCacheStartsOverAndStillAnswers() {
    long t = System.nanoTime();
    for (int tid = 1; tid <= ThreadNames.MAX_THREADS + 10; tid++) {
      live.put(tid, "t" + (tid % 3));
      assertThat(names.id(tid, t)).isPositive();
    }
    readsOf.clear();
    int last = ThreadNames.MAX_THREADS + 10;
    assertThat(names.id(last, t)).isEqualTo(interned.indexOf(live.get(last)) + 1);
    assertThat(interned).hasSize(3);
    assertThat(readsOf).isEmpty();
  }

  @Test
  void thePairingPassesTheAllocatingThreadsNameWithEachStack() {
    List<Integer> stackThreads = new ArrayList<>();
    HeapEventSink recording =
        new ForwardingHeapEventSink(sink) {
          @Override
          public int internStack(long[] frames, int offset, int length, int threadNameId) {
            stackThreads.add(threadNameId);
            return 0;
          }
        };
    AllocationPairing pairing = new AllocationPairing(recording, (a, f) -> f, tid -> {});
    pairing.siteKinds(
        new io.leakdetector.uprobes.probe.AllocatorFunction.Kind[] {
          io.leakdetector.uprobes.probe.AllocatorFunction.Kind.SIZE_ARG0
        });
    pairing.nameThreads(new ThreadNames(recording, live::get));
    live.put(201, "worker-a");
    live.put(202, "worker-b");
    EventBatch batch = new EventBatch(16);
    long t = System.nanoTime();
    int[] tids = {201, 202, 201};
    for (int k = 0; k < tids.length; k++) {
      int e = batch.add(EventBatch.ENTRY, t + 2 * k, tids[k], 0);
      batch.setValues(e, 16, 0, 0);
      pairing.process(batch, e);
      int r = batch.add(EventBatch.RETURN, t + 2 * k + 1, tids[k], 0);
      batch.setValues(r, 0x1000 + 32 * k, 0, 0);
      batch.setFrames(r, new long[] {0x40}, 1);
      pairing.process(batch, r);
    }
    assertThat(stackThreads).containsExactly(1, 2, 1);
    assertThat(interned).containsExactly("worker-a", "worker-b");
  }
}
