package io.leakdetector.export.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.LeakSnapshot;
import io.leakdetector.testkit.Snapshots;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TextReportTest {
  private final TextReport report = new TextReport(ZoneOffset.UTC);

  /** The block of {@link Snapshots#SECOND}. */
  private static final String SECOND_BLOCK =
      "AllocateCount: 12\n"
          + "FreeCount: 4\n"
          + "AllocateSize: 4096\n"
          + "FreeSize: 1024\n"
          + "libc.so.6!malloc+0x25\n"
          + "demo!leak_b+0x14\n"
          + "demo!main+0x3A\n"
          + "[unknown]!0xDEADBEEF\n"
          + "------------\n";

  @Test
  void formatsKnownSnapshotByteForByte() {
    assertThat(report.format(Snapshots.known()))
        .isEqualTo(
            "18:26:32\n"
                + "Outstanding: 8112 bytes in 38 allocations, 2 stacks;"
                + " lost events: 0 (0 this interval); unmatched frees: 17\n"
                + "AllocateCount: 30\n"
                + "FreeCount: 0\n"
                + "AllocateSize: 5040\n"
                + "FreeSize: 0\n"
                + "ntdll.dll!NtTraceEvent+0xC\n"
                + "Demo.exe!+0x11F0D\n"
                + "------------\n"
                + SECOND_BLOCK);
  }

  @Test
  void stacksSplitByThreadStartWithTheThreadAndTheTotalsSayWhatWasFiltered() {
    assertThat(report.format(Snapshots.byThread()))
        .isEqualTo(
            "18:26:32\n"
                + "Outstanding: 3272 bytes in 16 allocations, 2 stacks;"
                + " lost events: 0 (0 this interval); unmatched frees: 0;"
                + " filtered: 5 allocations of other threads\n"
                + "Thread: worker-a\n"
                + SECOND_BLOCK
                + "Thread: GC Thread;#0\n"
                + "AllocateCount: 8\n"
                + "FreeCount: 0\n"
                + "AllocateSize: 200\n"
                + "FreeSize: 0\n"
                + "demo!leak_c+0x8\n"
                + "------------\n");
  }

  @Test
  void framesShowFunctionsSourceLinesInlinedFramesAndAnEarlyEnd() {
    assertThat(report.format(Snapshots.withSourceLines()))
        .isEqualTo(
            "18:26:32\n"
                + "Outstanding: 3168 bytes in 12 allocations, 2 stacks;"
                + " lost events: 0 (0 this interval); unmatched frees: 0\n"
                + "AllocateCount: 4\n"
                + "FreeCount: 0\n"
                + "AllocateSize: 96\n"
                + "FreeSize: 0\n"
                + "parser!std::vector<int, std::allocator<int> >::push_back(int const&) [inlined]"
                + " (/usr/include/c++/12/bits/stl_vector.h:1287)\n"
                + "parser!Parser::add_token(int)+0x34 (src/parser.cc:42)\n"
                + "parser!Parser::parse()+0x1B (src/parser.cc)\n"
                + "libc.so.6!__libc_start_call_main+0x7A\n"
                + "[stack copy exhausted: raise --stack-copy for deeper stacks]\n"
                + "------------\n"
                + SECOND_BLOCK);
  }

  @Test
  void printsTimeInTheGivenZone() {
    assertThat(new TextReport(ZoneId.of("Asia/Kolkata")).format(Snapshots.known()))
        .startsWith("23:56:32\nOutstanding: ");
    assertThat(new TextReport(ZoneId.of("America/New_York")).format(Snapshots.known()))
        .startsWith("13:26:32\nOutstanding: ");
  }

  @Test
  void emptySnapshotHasTimeAndTotalsOnly() {
    assertThat(report.format(Snapshots.empty()))
        .isEqualTo(
            "18:26:32\n"
                + "Outstanding: 0 bytes in 0 allocations, 0 stacks;"
                + " lost events: 0 (0 this interval); unmatched frees: 0\n");
  }

  @Test
  void missedFreesAndTheSourcesCausesAreNamed() {
    assertThat(report.format(Snapshots.missedEvents()).lines().skip(1).findFirst())
        .contains(
            "Outstanding: 8112 bytes in 38 allocations, 2 stacks;"
                + " lost events: 0 (0 this interval); unmatched frees: 17;"
                + " inexact: 0 events lost, 0 allocations dropped, 2 implied frees,"
                + " threadsAttachedLate 3, lateProbeFailures 1");
  }

  @Test
  void aFallbackDesignIsNamed() {
    LeakSnapshot s = Snapshots.missedEvents();
    LeakSnapshot fallback =
        new LeakSnapshot(
            s.sequence(),
            s.time(),
            s.target(),
            s.source(),
            s.interval(),
            s.totals(),
            s.counts(),
            s.sourceCounters(),
            s.last(),
            s.endReason(),
            s.stacks(),
            "per-thread fallback");
    assertThat(report.format(fallback).lines().skip(1).findFirst().orElseThrow())
        .contains("unmatched frees: 17; uprobes per-thread fallback; inexact: ");
    assertThat(report.format(s)).doesNotContain("fallback");
  }

  @Test
  void inexactSnapshotSaysSo() {
    assertThat(report.format(Snapshots.inexact()))
        .isEqualTo(
            "18:26:32\n"
                + "Outstanding: 8112 bytes in 38 allocations, 2 stacks;"
                + " lost events: 120 (20 this interval); unmatched frees: 17;"
                + " inexact: 120 events lost, 3 allocations dropped\n"
                + "AllocateCount: 30\n"
                + "FreeCount: 0\n"
                + "AllocateSize: 5040\n"
                + "FreeSize: 0\n"
                + "ntdll.dll!NtTraceEvent+0xC\n"
                + "Demo.exe!+0x11F0D\n"
                + "------------\n");
  }

  @Test
  void finalReportSaysSoAndWhy() {
    assertThat(TextReport.totalsLine(Snapshots.last("target exited with status 0")))
        .isEqualTo(
            "Outstanding: 8112 bytes in 38 allocations, 2 stacks;"
                + " lost events: 0 (0 this interval); unmatched frees: 17;"
                + " final report: target exited with status 0");
    assertThat(TextReport.totalsLine(Snapshots.last("")))
        .endsWith("unmatched frees: 17; final report");
    assertThat(report.format(Snapshots.last("stopped")))
        .isEqualTo(
            report
                .format(Snapshots.known())
                .replace("unmatched frees: 17\n", "unmatched frees: 17; final report: stopped\n"));
  }

  @Test
  void stackWithoutFramesIsTheFourLinesAndTheSeparator() {
    StringBuilder out = new StringBuilder();
    TextReport.appendStack(
        out, new io.leakdetector.StackReport(1, 2, 1, 64, 32, 1, 32, 0, 0, java.util.List.of()));
    assertThat(out)
        .hasToString(
            "AllocateCount: 2\nFreeCount: 1\nAllocateSize: 64\nFreeSize: 32\n------------\n");
  }
}
