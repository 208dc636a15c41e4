package io.leakdetector.export.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.StackEnd;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopFrameTest {

  private static Frame frame(String module, String symbol, long offset) {
    return new Frame(0x1000 + offset, module, symbol, offset, false);
  }

  @Test
  void skipsLibcAndNamesTheCaller() {
    List<Frame> frames =
        List.of(
            frame("libc.so.6", "_int_malloc", 0x80),
            frame("libc.so.6", "malloc", 0x2A),
            frame("demo", "leak_a", 0x1A),
            frame("demo", "main", 0x40));

    assertThat(TopFrame.of(frames)).isEqualTo("demo!leak_a+0x1A");
  }

  @Test
  void skipsTheWindowsHeapAndCrtModules() {
    List<Frame> frames =
        List.of(
            frame("ntdll.dll", "RtlAllocateHeap", 0x50),
            frame("KERNELBASE.dll", null, 0x1234),
            frame("ucrtbase.dll", "_malloc_base", 0x35),
            frame("Demo.exe", "LeakA", 0x21));

    assertThat(TopFrame.of(frames)).isEqualTo("Demo.exe!LeakA+0x21");
  }

  @Test
  void skipsAllocatorFunctionsLinkedIntoTheProgram() {
    List<Frame> frames =
        List.of(
            frame("static-demo", "malloc", 0x12),
            frame("static-demo", "_Znwm", 0x08),
            frame("static-demo", "make_buffer", 0x33));

    assertThat(TopFrame.of(frames)).isEqualTo("static-demo!make_buffer+0x33");
  }

  @Test
  void skipsKernelFramesAndKeepsUnknownMemory() {
    List<Frame> frames =
        List.of(
            new Frame(0xffffffff81000000L, "[kernel]", "do_syscall_64", 0x10, true),
            frame("libc.so.6", "realloc", 0x44),
            Frame.unknown(0x7f00deadbeefL, false),
            frame("demo", "main", 0x40));

    assertThat(TopFrame.of(frames)).isEqualTo("[unknown]!0x7F00DEADBEEF");
  }

  @Test
  void aStackInsideTheAllocatorOnlyIsNamedByItsInnermostFrame() {
    List<Frame> frames =
        List.of(frame("libc.so.6", "malloc", 0x2A), frame("libc.so.6", null, 0x99));

    assertThat(TopFrame.of(frames)).isEqualTo("libc.so.6!malloc+0x2A");
  }

  @Test
  void demangledOperatorNewAndAllocatorInternalsAreSkippedAndTheCallerNamedWithItsLine() {
    List<Frame> frames =
        List.of(
            new Frame(
                0x7f0000001010L,
                "libstdc++.so.6",
                "_Znwm",
                0x1C,
                false,
                "operator new(unsigned long)",
                null,
                0,
                false),
            new Frame(
                0x401500,
                "app",
                "_Z4fillRSt6vectorIiSaIiEE",
                0x44,
                false,
                "std::__new_allocator<int>::allocate(unsigned long, void const*)",
                "/usr/include/c++/12/bits/new_allocator.h",
                137,
                true),
            new Frame(
                0x401500,
                "app",
                "_Z4fillRSt6vectorIiSaIiEE",
                0x44,
                false,
                "fill(std::vector<int, std::allocator<int> >&)",
                "fill.cc",
                7,
                false));

    assertThat(TopFrame.of(frames))
        .isEqualTo("app!fill(std::vector<int, std::allocator<int> >&)+0x44 (fill.cc:7)");
  }

  @Test
  void everyDemangledOperatorNewIsAnAllocator() {
    for (String name :
        List.of(
            "operator new(unsigned long)",
            "operator new[](unsigned long)",
            "operator new(unsigned long, std::nothrow_t const&)",
            "operator new(unsigned long, std::align_val_t)",
            "operator new[](unsigned long, std::align_val_t, std::nothrow_t const&)")) {
      Frame frame = new Frame(0x10, "app", null, 4, false, name, null, 0, false);
      assertThat(TopFrame.isAllocator(frame)).as(name).isTrue();
    }
    Frame classNew =
        new Frame(
            0x10, "app", null, 4, false, "Widget::operator new(unsigned long)", null, 0, false);
    assertThat(TopFrame.isAllocator(classNew)).isFalse();
  }

  @Test
  void anEarlyEndNeverNamesAStack() {
    List<Frame> frames =
        List.of(
            new Frame(
                0x7f0000001010L,
                "libstdc++.so.6",
                "_Znwm",
                0x1C,
                false,
                "operator new(unsigned long)",
                null,
                0,
                false),
            Frame.end(StackEnd.STACK_COPY_EXHAUSTED));

    assertThat(TopFrame.of(frames)).isEqualTo("libstdc++.so.6!operator new(unsigned long)+0x1C");
    assertThat(TopFrame.of(List.of(Frame.end(StackEnd.DEPTH_LIMIT))))
        .isEqualTo("[stack depth limit reached]");
  }

  @Test
  void aStackWithoutFramesHasAName() {
    assertThat(TopFrame.of(List.of())).isEqualTo(TopFrame.NO_FRAMES);
  }

  @ParameterizedTest
  @CsvSource({
    "libc.so.6, true",
    "libc-2.31.so, true",
    "ld-linux-x86-64.so.2, true",
    "ld-musl-x86_64.so.1, true",
    "libjemalloc.so.2, true",
    "ntdll.dll, true",
    "kernel32.dll, true",
    "msvcrt.dll, true",
    "msvcr120.dll, true",
    "libcrypto.so.3, false",
    "libc-client.so.2007, false",
    "demo, false",
    "Demo.exe, false"
  })
  void allocatorModules(String module, boolean allocator) {
    assertThat(TopFrame.isAllocator(frame(module, "work", 0))).isEqualTo(allocator);
  }

  @ParameterizedTest
  @CsvSource({
    "malloc, true",
    "malloc@@GLIBC_2.2.5, true",
    "__libc_calloc, true",
    "posix_memalign, true",
    "HeapReAlloc, true",
    "_Znam, true",
    "operator new(unsigned long), true",
    "mallocator_init, false",
    "free_list_push, false"
  })
  void allocatorSymbols(String symbol, boolean allocator) {
    assertThat(TopFrame.isAllocator(frame("app", symbol, 0))).isEqualTo(allocator);
  }
}
