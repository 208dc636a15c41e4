package io.leakdetector.export.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackReport;
import io.leakdetector.testkit.Snapshots;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollapsedStacksTest {

  @Test
  void formatsKnownSnapshotByteForByte() {
    assertThat(CollapsedStacks.format(Snapshots.known()))
        .isEqualTo(
            "Demo.exe!+0x11F0D;ntdll.dll!NtTraceEvent 5040\n"
                + "[unknown]!0xDEADBEEF;demo!main;demo!leak_b;libc.so.6!malloc 3072\n");
  }

  @Test
  void framesAreDemangledFunctionsWithInlinedFramesAndTheEarlyEnd() {
    assertThat(CollapsedStacks.format(Snapshots.withSourceLines()))
        .isEqualTo(
            "[stack copy exhausted: raise --stack-copy for deeper stacks]"
                + ";libc.so.6!__libc_start_call_main"
                + ";parser!Parser::parse()"
                + ";parser!Parser::add_token(int)"
                + ";parser!std::vector<int, std::allocator<int> >::push_back(int const&) [inlined]"
                + " 96\n"
                + "[unknown]!0xDEADBEEF;demo!main;demo!leak_b;libc.so.6!malloc 3072\n");
  }

  @Test
  void callSitesInOneFunctionAreOneFrame() {
    StackReport first =
        Snapshots.stack(1)
            .counts(1, 0, 8, 0)
            .frames(
                new Frame(0x1010, "app", "_Z4workv", 0x10, false, "work()", "work.cc", 10, false))
            .build();
    StackReport second =
        Snapshots.stack(2)
            .counts(1, 0, 16, 0)
            .frames(
                new Frame(0x1030, "app", "_Z4workv", 0x30, false, "work()", "work.cc", 14, false))
            .build();
    assertThat(CollapsedStacks.format(Snapshots.builder().stacks(first, second).build()).lines())
        .containsExactly("app!work() 8", "app!work() 16");
  }

  @Test
  void aFrameWithoutDemangledNameUsesItsSymbol() {
    assertThat(CollapsedStacks.frameName(new Frame(0x10, "app", "_Z4workv", 4, false)))
        .isEqualTo("app!_Z4workv");
    assertThat(CollapsedStacks.frameName(new Frame(0x10, "app", "", 4, false)))
        .isEqualTo("app!+0x4");
  }

  @Test
  void emptySnapshotWritesNothing() {
    assertThat(CollapsedStacks.format(Snapshots.empty())).isEmpty();
  }

  @Test
  void semicolonsAndControlCharactersInNamesAreReplaced() {
    StackReport stack =
        new StackReport(
            1,
            1,
            0,
            10,
            0,
            1,
            10,
            1,
            10,
            List.of(
                new Frame(0x10, "lib;x.so", "f;g", 1, false),
                new Frame(0x20, "app", "operator new(unsigned long)\n", 2, false)));
    StringBuilder out = new StringBuilder();
    CollapsedStacks.appendLine(out, stack);
    assertThat(out).hasToString("app!operator new(unsigned long)_;lib_x.so!f_g 10\n");
  }

  @Test
  void stackWithoutFramesGetsAPlaceholderFrame() {
    StringBuilder out = new StringBuilder();
    CollapsedStacks.appendLine(out, new StackReport(1, 1, 0, 8, 0, 1, 8, 1, 8, List.of()));
    assertThat(out).hasToString("[no frames] 8\n");
  }

  @Test
  void stacksWithoutOutstandingBytesAreLeftOut() {
    StackReport freed =
        new StackReport(9, 5, 5, 80, 80, 0, 0, -5, -80, List.of(Snapshots.SECOND.frames().get(0)));
    LeakSnapshot known = Snapshots.known();
    LeakSnapshot snapshot =
        new LeakSnapshot(
            known.sequence(),
            known.time(),
            known.target(),
            known.source(),
            known.interval(),
            known.totals(),
            known.counts(),
            known.sourceCounters(),
            false,
            "",
            List.of(freed, Snapshots.ORIGINAL));
    assertThat(CollapsedStacks.format(snapshot))
        .isEqualTo("Demo.exe!+0x11F0D;ntdll.dll!NtTraceEvent 5040\n");
  }

  @Test
  void theThreadIsTheRootFrameWhenStacksAreSplitByThread() {
    assertThat(CollapsedStacks.format(Snapshots.byThread()))
        .isEqualTo(
            "[worker-a];[unknown]!0xDEADBEEF;demo!main;demo!leak_b;libc.so.6!malloc 3072\n"
                + "[GC Thread_#0];demo!leak_c 200\n");
  }
}
