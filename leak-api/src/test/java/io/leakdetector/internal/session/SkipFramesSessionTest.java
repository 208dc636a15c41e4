package io.leakdetector.internal.session;

import static io.leakdetector.internal.session.TopFrameSkipperTest.GADGET;
import static io.leakdetector.internal.session.TopFrameSkipperTest.MAIN;
import static io.leakdetector.internal.session.TopFrameSkipperTest.NEW;
import static io.leakdetector.internal.session.TopFrameSkipperTest.NEW_RETRY;
import static io.leakdetector.internal.session.TopFrameSkipperTest.WIDGET;
import static io.leakdetector.internal.session.TopFrameSkipperTest.XMALLOC;
import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetector;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.SortOrder;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.HeapEventSink;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Skipped top frames in whole sessions: what is merged, summed, filtered and cut to top N. */
class SkipFramesSessionTest {
  private static final long SELF = ProcessHandle.current().pid();

  /**
   * Four stacks: two that reach {@code make_widget} through different call sites in operator new (5
   * and 3 blocks of 100 bytes, one of the 3 freed), one from {@code make_gadget} (6 blocks of 10
   * bytes) and one through the program's own {@code xmalloc} (2 blocks of 1000 bytes).
   */
  private static void fourStacks(HeapEventSink sink) {
    int first = intern(sink, NEW, WIDGET, MAIN);
    int retry = intern(sink, NEW_RETRY, WIDGET, MAIN);
    int gadget = intern(sink, NEW, GADGET, MAIN);
    int wrapped = intern(sink, XMALLOC, WIDGET, MAIN);
    long[] address = {0x10_0000};
    allocate(sink, address, first, 5, 100);
    allocate(sink, address, retry, 3, 100);
    sink.onFree(0, 0, address[0]);
    allocate(sink, address, gadget, 6, 10);
    allocate(sink, address, wrapped, 2, 1000);
  }

  private static int intern(HeapEventSink sink, long... frames) {
    return sink.internStack(frames, 0, frames.length);
  }

  private static void allocate(
      HeapEventSink sink, long[] address, int stack, int count, long size) {
    for (int i = 0; i < count; i++) {
      sink.onAlloc(i, 0, address[0] += 0x100, size, stack);
    }
  }

  private static LeakSnapshot snapshot(LeakDetector.Builder builder, Consumer<HeapEventSink> script)
      throws Exception {
    ScriptedSource source =
        new ScriptedSource(new TargetProcess(SELF, "app"), (sink, listener) -> script.accept(sink));
    DefaultLeakSession session =
        DefaultLeakSession.open(
            DefaultLeakSessionTest.config(builder.pid(SELF)),
            ScriptedSource.provider(source, List.of()),
            TopFrameSkipperTest.names().provider());
    try (session) {
      session.start();
      assertThat(source.fed.await(5, TimeUnit.SECONDS)).isTrue();
      return session.snapshot();
    }
  }

  private static List<String> texts(StackReport stack) {
    return stack.frames().stream().map(Frame::text).toList();
  }

  @Test
  void stacksThatDifferOnlyInTheAllocatorAreOneWithTheirCountersSummed() throws Exception {
    LeakSnapshot snapshot = snapshot(LeakDetector.builder(), SkipFramesSessionTest::fourStacks);

    assertThat(snapshot.stacks()).hasSize(3);
    StackReport widget = snapshot.stacks().get(0);
    assertThat(widget.id()).isZero();
    assertThat(widget.allocCount()).isEqualTo(8);
    assertThat(widget.freeCount()).isEqualTo(1);
    assertThat(widget.allocBytes()).isEqualTo(800);
    assertThat(widget.freeBytes()).isEqualTo(100);
    assertThat(widget.outstandingCount()).isEqualTo(7);
    assertThat(widget.outstandingBytes()).isEqualTo(700);
    assertThat(widget.growthCount()).isEqualTo(7);
    assertThat(widget.growthBytes()).isEqualTo(700);
    assertThat(texts(widget))
        .containsExactly("app!make_widget()+0x20 (widget.cc:12)", "app!main+0x3A");
    StackReport gadget = snapshot.stacks().get(1);
    assertThat(gadget.id()).isEqualTo(2);
    assertThat(gadget.outstandingCount()).isEqualTo(6);
    assertThat(texts(gadget)).containsExactly("app!make_gadget()+0x30", "app!main+0x3A");
    StackReport wrapped = snapshot.stacks().get(2);
    assertThat(wrapped.id()).isEqualTo(3);
    assertThat(texts(wrapped))
        .containsExactly(
            "app!xmalloc+0x9", "app!make_widget()+0x20 (widget.cc:12)", "app!main+0x3A");
    // Totals are the tracer's: four distinct stacks hold outstanding blocks.
    assertThat(snapshot.totals().stacks()).isEqualTo(4);
    assertThat(snapshot.totals().outstandingCount()).isEqualTo(15);
  }

  @Test
  void theTopNIsCutAfterMerging() throws Exception {
    // Each part of make_widget's stack (5, 2) holds fewer blocks than make_gadget's (6); merged
    // (7) it holds more.
    LeakSnapshot top1 = snapshot(LeakDetector.builder().topN(1), SkipFramesSessionTest::fourStacks);
    assertThat(top1.stacks())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.id()).isZero();
              assertThat(s.outstandingCount()).isEqualTo(7);
            });
  }

  @Test
  void theMinimumCountAppliesToTheMergedStack() throws Exception {
    LeakSnapshot snapshot =
        snapshot(LeakDetector.builder().minOutstanding(7), SkipFramesSessionTest::fourStacks);
    assertThat(snapshot.stacks()).extracting(StackReport::id).containsExactly(0);
  }

  @Test
  void sortingByBytesOrdersTheMergedStacks() throws Exception {
    LeakSnapshot snapshot =
        snapshot(
            LeakDetector.builder().sortOrder(SortOrder.BYTES), SkipFramesSessionTest::fourStacks);
    assertThat(snapshot.stacks())
        .extracting(StackReport::id, StackReport::outstandingBytes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(3, 2000L),
            org.assertj.core.groups.Tuple.tuple(0, 700L),
            org.assertj.core.groups.Tuple.tuple(2, 60L));
  }

  @Test
  void anEmptySetSkipsNothingAndMergesNothing() throws Exception {
    LeakSnapshot snapshot =
        snapshot(LeakDetector.builder().skipFrames(List.of()), SkipFramesSessionTest::fourStacks);
    assertThat(snapshot.stacks())
        .extracting(StackReport::id, StackReport::outstandingCount)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2, 6L),
            org.assertj.core.groups.Tuple.tuple(0, 5L),
            org.assertj.core.groups.Tuple.tuple(1, 2L),
            org.assertj.core.groups.Tuple.tuple(3, 2L));
    assertThat(texts(snapshot.stacks().get(1)))
        .containsExactly(
            "libstdc++.so.6!operator new(unsigned long)+0x1C",
            "app!make_widget()+0x20 (widget.cc:12)",
            "app!main+0x3A");
  }

  @Test
  void anAddedPatternDropsTheWrapperAndItsStackJoinsTheOthers() throws Exception {
    LeakSnapshot snapshot =
        snapshot(
            LeakDetector.builder().addSkipFrame(Pattern.compile("xmalloc")),
            SkipFramesSessionTest::fourStacks);
    assertThat(snapshot.stacks())
        .extracting(StackReport::id, StackReport::outstandingCount, StackReport::outstandingBytes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0, 9L, 2700L),
            org.assertj.core.groups.Tuple.tuple(2, 6L, 60L));
  }

  @Test
  void partsRankedBelowTheCandidatesAreLeftOutUnlessAllStacksAreShown() throws Exception {
    int fillers = MergedStacks.MIN_CANDIDATES + 10;
    Consumer<HeapEventSink> script =
        sink -> {
          long[] address = {0x10_0000};
          for (int i = 0; i < fillers; i++) {
            // Unknown memory, never skipped: each filler is a stack of its own with 3 blocks.
            allocate(sink, address, intern(sink, 0x80_0000L + 16L * i, MAIN), 3, 8);
          }
          allocate(sink, address, intern(sink, NEW, WIDGET, MAIN), 2, 8);
          allocate(sink, address, intern(sink, NEW_RETRY, WIDGET, MAIN), 2, 8);
        };
    LeakSnapshot top1 = snapshot(LeakDetector.builder().topN(1), script);
    assertThat(top1.stacks())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.id()).isZero();
              assertThat(s.outstandingCount()).isEqualTo(3);
            });

    LeakSnapshot all = snapshot(LeakDetector.builder().topN(0), script);
    assertThat(all.stacks()).hasSize(fillers + 1);
    StackReport widget = all.stacks().get(0);
    assertThat(widget.id()).isEqualTo(fillers);
    assertThat(widget.outstandingCount()).isEqualTo(4);
    assertThat(texts(widget))
        .containsExactly("app!make_widget()+0x20 (widget.cc:12)", "app!main+0x3A");
  }
}
