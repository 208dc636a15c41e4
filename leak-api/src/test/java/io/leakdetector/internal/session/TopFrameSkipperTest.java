package io.leakdetector.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.SkipFrames;
import io.leakdetector.StackEnd;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TopFrameSkipperTest {
  static final long NEW = 0x1010;
  static final long NEW_RETRY = 0x1040;
  static final long NEW_NOTHROW = 0x1050;
  static final long WIDGET = 0x1100;
  static final long MAIN = 0x1200;
  static final long XMALLOC = 0x1300;
  static final long FILL = 0x1500;
  static final long GADGET = 0x1600;
  static final long JEMALLOC = 0x1700;
  static final long KERNEL = 0xffffffff81000010L;

  /** Names as a demangling resolver with source lines gives them. */
  static TableResolver names() {
    return new TableResolver()
        .frames(NEW, cxx(NEW, "libstdc++.so.6", "_Znwm", 0x1C, "operator new(unsigned long)"))
        .frames(
            NEW_RETRY,
            cxx(NEW_RETRY, "libstdc++.so.6", "_Znwm", 0x4C, "operator new(unsigned long)"))
        .frames(
            NEW_NOTHROW,
            cxx(
                NEW_NOTHROW,
                "libstdc++.so.6",
                "_ZnwmRKSt9nothrow_t",
                0x12,
                "operator new(unsigned long, std::nothrow_t const&)"))
        .frames(
            WIDGET,
            new Frame(
                WIDGET,
                "app",
                "_Z11make_widgetv",
                0x20,
                false,
                "make_widget()",
                "widget.cc",
                12,
                false))
        .frames(GADGET, cxx(GADGET, "app", "_Z11make_gadgetv", 0x30, "make_gadget()"))
        .name(MAIN, "app", "main", 0x3A)
        .name(XMALLOC, "app", "xmalloc", 0x9)
        .frames(
            FILL,
            new Frame(
                FILL,
                "app",
                "_Z4fillRSt6vectorIiSaIiEE",
                0x44,
                false,
                "std::__new_allocator<int>::allocate(unsigned long, void const*)",
                "/usr/include/c++/12/bits/new_allocator.h",
                137,
                true),
            new Frame(
                FILL,
                "app",
                "_Z4fillRSt6vectorIiSaIiEE",
                0x44,
                false,
                "std::vector<int, std::allocator<int> >::push_back(int const&)",
                "/usr/include/c++/12/bits/stl_vector.h",
                1287,
                true),
            new Frame(
                FILL,
                "app",
                "_Z4fillRSt6vectorIiSaIiEE",
                0x44,
                false,
                "fill(std::vector<int, std::allocator<int> >&)",
                "fill.cc",
                7,
                false))
        .frames(JEMALLOC, new Frame(JEMALLOC, "libjemalloc.so.2", null, 0x2F00, false))
        .kernel(KERNEL, "do_syscall_64");
  }

  private static Frame cxx(long address, String module, String symbol, long offset, String name) {
    return new Frame(address, module, symbol, offset, false, name, null, 0, false);
  }

  private final TableResolver resolver = names();

  private TopFrameSkipper skipper(boolean kernel, List<Pattern> patterns) {
    return new TopFrameSkipper(patterns, new SnapshotFrames(resolver, kernel));
  }

  private List<String> shown(TopFrameSkipper skipper, long... stack) {
    return skipper.shown(skipper.trim(stack)).stream().map(Frame::text).toList();
  }

  private List<String> shown(long... stack) {
    return shown(skipper(false, SkipFrames.DEFAULT), stack);
  }

  @Test
  void operatorNewIsDroppedAndItsCallerStays() {
    assertThat(shown(NEW, WIDGET, MAIN))
        .containsExactly("app!make_widget()+0x20 (widget.cc:12)", "app!main+0x3A");
  }

  @Test
  void aWrapperInTheProgramStays() {
    assertThat(shown(XMALLOC, WIDGET, MAIN))
        .containsExactly(
            "app!xmalloc+0x9", "app!make_widget()+0x20 (widget.cc:12)", "app!main+0x3A");
  }

  @Test
  void inlinedAllocatorFramesGoUpToTheFirstFrameOfTheProgram() {
    assertThat(shown(NEW, FILL, MAIN))
        .containsExactly(
            "app!std::vector<int, std::allocator<int> >::push_back(int const&) [inlined]"
                + " (/usr/include/c++/12/bits/stl_vector.h:1287)",
            "app!fill(std::vector<int, std::allocator<int> >&)+0x44 (fill.cc:7)",
            "app!main+0x3A");
  }

  @Test
  void onlyTheTopIsSkipped() {
    assertThat(shown(WIDGET, NEW, MAIN))
        .containsExactly(
            "app!make_widget()+0x20 (widget.cc:12)",
            "libstdc++.so.6!operator new(unsigned long)+0x1C",
            "app!main+0x3A");
  }

  @Test
  void stacksThatDifferOnlyInSkippedFramesHaveOneKeyAndOtherCallersAnother() {
    TopFrameSkipper skipper = skipper(false, SkipFrames.DEFAULT);
    SnapshotFrames frames = skipper.frames();
    var first = skipper.trim(new long[] {NEW, WIDGET, MAIN}).key(frames);
    var retry = skipper.trim(new long[] {NEW_RETRY, WIDGET, MAIN}).key(frames);
    var nested = skipper.trim(new long[] {NEW, NEW_NOTHROW, WIDGET, MAIN}).key(frames);
    var gadget = skipper.trim(new long[] {NEW, GADGET, MAIN}).key(frames);
    var direct = skipper.trim(new long[] {XMALLOC, WIDGET, MAIN}).key(frames);
    assertThat(retry).isEqualTo(first).hasSameHashCodeAs(first);
    assertThat(nested).isEqualTo(first);
    assertThat(gadget).isNotEqualTo(first);
    assertThat(direct).isNotEqualTo(first);
  }

  @Test
  void anEarlyEndRightAfterTheAllocatorKeepsTheLastAllocatorFrame() {
    long end = StackEnd.STACK_COPY_EXHAUSTED.address();
    assertThat(shown(NEW_NOTHROW, NEW, end))
        .containsExactly(
            "libstdc++.so.6!operator new(unsigned long)+0x1C",
            "[stack copy exhausted: raise --stack-copy for deeper stacks]");
    assertThat(shown(end))
        .containsExactly("[stack copy exhausted: raise --stack-copy for deeper stacks]");
  }

  @Test
  void aStackOfAllocatorFramesOnlyKeepsItsOutermost() {
    assertThat(shown(NEW, NEW_NOTHROW))
        .containsExactly("libstdc++.so.6!operator new(unsigned long, std::nothrow_t const&)+0x12");
    assertThat(shown()).isEmpty();
  }

  @Test
  void unknownMemoryIsNeverSkipped() {
    assertThat(shown(skipper(false, List.of(Pattern.compile(".*"))), 0x9000, NEW, MAIN))
        .containsExactly(
            "[unknown]!0x9000", "libstdc++.so.6!operator new(unsigned long)+0x1C", "app!main+0x3A");
  }

  @Test
  void kernelFramesOnTopStayAndSkippingStartsBelowThem() {
    assertThat(shown(skipper(true, SkipFrames.DEFAULT), KERNEL, NEW, WIDGET))
        .containsExactly("[kernel]!do_syscall_64+0x10", "app!make_widget()+0x20 (widget.cc:12)");
    TopFrameSkipper hidden = skipper(false, SkipFrames.DEFAULT);
    assertThat(shown(hidden, KERNEL, NEW, WIDGET))
        .containsExactly("app!make_widget()+0x20 (widget.cc:12)");
    assertThat(hidden.trim(new long[] {KERNEL, NEW, WIDGET}).key(hidden.frames()))
        .isEqualTo(hidden.trim(new long[] {NEW_RETRY, WIDGET}).key(hidden.frames()));
    TopFrameSkipper shownKernel = skipper(true, SkipFrames.DEFAULT);
    assertThat(shownKernel.trim(new long[] {KERNEL, NEW, WIDGET}).key(shownKernel.frames()))
        .isNotEqualTo(shownKernel.trim(new long[] {NEW, WIDGET}).key(shownKernel.frames()));
  }

  @Test
  void aModulePatternDropsItsNamelessFrames() {
    TopFrameSkipper skipper =
        skipper(
            false, List.of(Pattern.compile("libjemalloc\\.so\\.2!.*"), Pattern.compile("xmalloc")));
    assertThat(shown(skipper, JEMALLOC, XMALLOC, WIDGET))
        .containsExactly("app!make_widget()+0x20 (widget.cc:12)");
  }

  @Test
  void eachAddressIsResolvedOncePerSnapshot() {
    TopFrameSkipper skipper = skipper(false, SkipFrames.DEFAULT);
    long[][] stacks = {{NEW, WIDGET, MAIN}, {NEW_RETRY, WIDGET, MAIN}, {NEW, GADGET, MAIN}};
    for (long[] stack : stacks) {
      skipper.shown(skipper.trim(stack));
    }
    assertThat(resolver.resolved).doesNotHaveDuplicates();
    assertThat(resolver.resolved).containsExactlyInAnyOrder(NEW, WIDGET, MAIN, NEW_RETRY, GADGET);
  }
}
