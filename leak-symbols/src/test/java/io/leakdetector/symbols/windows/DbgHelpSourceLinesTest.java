package io.leakdetector.symbols.windows;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.symbols.testing.RecordingLogger;
import io.leakdetector.symbols.windows.FakeSymbolApi.Inlined;
import io.leakdetector.symbols.windows.FakeSymbolApi.Line;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Source lines, inlined frames and undecorated names from the dbghelp resolver, against the
 * scripted dbghelp ({@link FakeSymbolApi}), which answers from a module's line table and inline
 * sites as dbghelp answers from a PDB.
 *
 * <p>The program: {@code main} (main.c) inlines {@code outer} (util.h) at main.c:14 over
 * 0x1020–0x1060, which inlines {@code inner} (inner.h) at util.h:7 over 0x1030–0x1050; {@code
 * Pool::Allocate} (decorated in the PDB) follows at 0x2000.
 */
class DbgHelpSourceLinesTest {
  static final String APP = "C:\\work\\app\\app.exe";
  static final String NTDLL = "C:\\Windows\\System32\\ntdll.dll";
  static final long BASE = 0x7ff6_0000_0000L;
  static final long NTDLL_BASE = 0x7ffa_5550_0000L;
  static final String MAIN_C = "C:\\work\\app\\main.c";
  static final String DECORATED = "?Allocate@Pool@@QEAAPEAX_K@Z";

  final FakeSymbolApi fake = new FakeSymbolApi();
  final RecordingLogger log = new RecordingLogger();
  SymbolResolver resolver;

  @BeforeEach
  void program() {
    fake.add(APP, BASE, 0x1_0000, Map.of(0x1000L, "main", 0x2000L, DECORATED));
    fake.undecorated.put(DECORATED, "Pool::Allocate");
    fake.lines(
        APP,
        Map.of(
            0x1000L, new Line(MAIN_C, 10),
            0x1010L, new Line(MAIN_C, 11),
            0x1020L, new Line(MAIN_C, 14),
            0x1060L, new Line(MAIN_C, 15),
            0x2000L, new Line("C:\\work\\app\\pool.cpp", 30),
            0x2010L, new Line("C:\\work\\app\\pool.cpp", 31)));
    fake.inline(
        APP,
        new Inlined(
            "outer",
            0x1020,
            0x1060,
            Map.of(0x1020L, new Line("util.h", 5), 0x1030L, new Line("util.h", 7))));
    fake.inline(
        APP,
        new Inlined(
            "inner",
            0x1030,
            0x1050,
            Map.of(0x1030L, new Line("inner.h", 3), 0x1040L, new Line("inner.h", 4))));
    // A module with symbols but no lines (a PDB stripped of them, or export symbols only).
    fake.add(NTDLL, NTDLL_BASE, 0x1f_0000, Map.of(0x9_0000L, "RtlAllocateHeap"));
  }

  @AfterEach
  void close() {
    if (resolver != null) {
      resolver.close();
    }
  }

  SymbolResolver open() throws Exception {
    Set<String> files = Set.of("C:\\Windows\\System32\\dbghelp.dll");
    resolver =
        new DbgHelpSymbolResolverProvider(
                true, "Windows 11", Map.of(), files::contains, dll -> fake.api(), log)
            .open(new TargetProcess(7408, "app.exe"), SymbolOptions.DEFAULTS);
    return resolver;
  }

  static List<String> texts(List<Frame> frames) {
    return frames.stream().map(Frame::text).toList();
  }

  List<String> warnings() {
    return log.records.stream().filter(r -> r.startsWith("WARNING")).toList();
  }

  @Test
  void inlinedFunctionsComeInnermostFirstThenTheFunctionHoldingTheCall() throws Exception {
    open();
    long address = BASE + 0x1041; // returns from a call ending at 0x1040, inside inner
    List<Frame> frames = resolver.resolveWithInlines(address);
    assertThat(frames)
        .containsExactly(
            // symbol and offset of the code the inlined functions lie in, as on Linux
            new Frame(address, "app.exe", "main", 0x41, false, "inner", "inner.h", 4, true),
            new Frame(address, "app.exe", "main", 0x41, false, "outer", "util.h", 7, true),
            new Frame(address, "app.exe", "main", 0x41, false, "main", MAIN_C, 14, false));
    assertThat(texts(frames))
        .containsExactly(
            "app.exe!inner [inlined] (inner.h:4)",
            "app.exe!outer [inlined] (util.h:7)",
            "app.exe!main+0x41 (C:\\work\\app\\main.c:14)");
    assertThat(resolver.resolve(address)).isEqualTo(frames.get(2));
    // One trace query, for the call instruction; the enclosing context follows the innermost.
    assertThat(fake.calls("SymQueryInlineTrace"))
        .containsExactly("SymQueryInlineTrace 7ff600001040");
    assertThat(fake.calls("SymFromInlineContextW"))
        .containsExactly(
            "SymFromInlineContextW 7ff600001040 40000000",
            "SymFromInlineContextW 7ff600001040 40000001");
    assertThat(warnings()).isEmpty();
  }

  @Test
  void linesAreThoseOfTheCallNotOfTheInstructionAfterIt() throws Exception {
    open();
    // The call ends where line 11 begins: the return address is on line 11, the call on line 10.
    assertThat(resolver.resolve(BASE + 0x1010).text())
        .isEqualTo("app.exe!main+0x10 (C:\\work\\app\\main.c:10)");
    assertThat(fake.calls("SymGetLineFromAddrW64"))
        .containsExactly("SymGetLineFromAddrW64 7ff60000100f");
    // Past the inlined code the frame has no inlined functions.
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1061)))
        .containsExactly("app.exe!main+0x61 (C:\\work\\app\\main.c:15)");
  }

  @Test
  void aCallThatEndsAFunctionIsNamedByThatFunction() throws Exception {
    open();
    // A call that does not return, as main's last instruction: its return address is the first
    // byte of the next function, but the caller is main.
    assertThat(resolver.resolve(BASE + 0x2000).text())
        .isEqualTo("app.exe!main+0x1000 (C:\\work\\app\\main.c:15)");
  }

  @Test
  void namesAreUndecoratedAndLinesLoaded() throws Exception {
    open();
    Frame frame = resolver.resolve(BASE + 0x2011);
    assertThat(frame.text()).isEqualTo("app.exe!Pool::Allocate+0x11 (C:\\work\\app\\pool.cpp:31)");
    assertThat(frame.symbol()).isEqualTo("Pool::Allocate");
    assertThat(frame.function()).isEqualTo("Pool::Allocate");
    assertThat(fake.options & DbgHelp.SYMOPT_UNDNAME).isNotZero();
    assertThat(fake.options & DbgHelp.SYMOPT_LOAD_LINES).isNotZero();
  }

  @Test
  void aModuleWithoutLinesGivesFramesWithoutThem() throws Exception {
    open();
    Frame frame = resolver.resolve(NTDLL_BASE + 0x9_001AL);
    assertThat(frame)
        .isEqualTo(
            new Frame(
                NTDLL_BASE + 0x9_001AL,
                "ntdll.dll",
                "RtlAllocateHeap",
                0x1A,
                false,
                "RtlAllocateHeap",
                null,
                0,
                false));
    assertThat(frame.text()).isEqualTo("ntdll.dll!RtlAllocateHeap+0x1A");
    assertThat(warnings()).isEmpty();
  }

  @Test
  void kernelAndUnknownAddressesAreOneFrameEach() throws Exception {
    open();
    assertThat(resolver.resolveWithInlines(0x1000)).containsExactly(Frame.unknown(0x1000, false));
    assertThat(resolver.resolveWithInlines(0xFFFFF802_1234_5678L))
        .containsExactly(Frame.unknown(0xFFFFF802_1234_5678L, true));
  }

  @Test
  void framesAreCachedWithTheirInlinedFunctions() throws Exception {
    open();
    List<Frame> first = resolver.resolveWithInlines(BASE + 0x1041);
    assertThat(resolver.resolveWithInlines(BASE + 0x1041)).isEqualTo(first);
    assertThat(resolver.resolve(BASE + 0x1041)).isEqualTo(first.get(2));
    assertThat(fake.calls("SymAddrIncludeInlineTrace")).hasSize(1);
    assertThat(fake.calls("SymFromAddrW")).hasSize(1);
  }

  @Test
  void aDbghelpWithoutInlineFunctionsGivesFramesWithLinesAndOneWarning() throws Exception {
    fake.missing.add("SymAddrIncludeInlineTrace");
    open();
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1041)))
        .containsExactly("app.exe!main+0x41 (C:\\work\\app\\main.c:14)");
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1031)))
        .containsExactly("app.exe!main+0x31 (C:\\work\\app\\main.c:14)");
    assertThat(warnings())
        .containsExactly(
            "WARNING dbghelp: this dbghelp.dll lacks the inline-frame functions"
                + " (SymAddrIncludeInlineTrace): stacks are shown without inlined functions.");
    assertThat(fake.calls("SymAddrIncludeInlineTrace")).hasSize(1); // not tried again
  }

  @Test
  void anInlineFunctionMissingMidChainLeavesNoHalfChain() throws Exception {
    fake.missing.add("SymGetLineFromInlineContextW");
    open();
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1041)))
        .containsExactly("app.exe!main+0x41 (C:\\work\\app\\main.c:14)");
    assertThat(warnings())
        .containsExactly(
            "WARNING dbghelp: this dbghelp.dll lacks the inline-frame functions"
                + " (SymGetLineFromInlineContextW): stacks are shown without inlined functions.");
  }

  @Test
  void aDbghelpWithoutLineFunctionsGivesNamedFramesAndOneWarning() throws Exception {
    fake.missing.add("SymGetLineFromAddrW64");
    open();
    assertThat(resolver.resolve(BASE + 0x1011).text()).isEqualTo("app.exe!main+0x11");
    assertThat(resolver.resolve(BASE + 0x2011).text()).isEqualTo("app.exe!Pool::Allocate+0x11");
    assertThat(warnings())
        .containsExactly(
            "WARNING dbghelp: this dbghelp.dll lacks SymGetLineFromAddrW64: stacks are shown"
                + " without source lines.");
    assertThat(fake.calls("SymGetLineFromAddrW64")).hasSize(1);
  }

  @Test
  void failedCallsLeaveOutWhatTheyWouldHaveGiven() throws Exception {
    fake.failing.add("SymQueryInlineTrace");
    open();
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1041)))
        .containsExactly("app.exe!main+0x41 (C:\\work\\app\\main.c:14)");
    fake.failing.clear();
    fake.failing.add("SymFromInlineContextW"); // lines without names
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1042)))
        .containsExactly(
            "app.exe! [inlined] (inner.h:4)",
            "app.exe! [inlined] (util.h:7)",
            "app.exe!main+0x42 (C:\\work\\app\\main.c:14)");
    fake.failing.add("SymGetLineFromInlineContextW"); // nothing known: no inlined frames
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1043)))
        .containsExactly("app.exe!main+0x43 (C:\\work\\app\\main.c:14)");
    fake.failing.clear();
    fake.failing.add("SymGetLineFromInlineContextW"); // names without lines
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1044)))
        .containsExactly(
            "app.exe!inner [inlined]",
            "app.exe!outer [inlined]",
            "app.exe!main+0x44 (C:\\work\\app\\main.c:14)");
    assertThat(warnings()).isEmpty(); // an address without an answer is not a failure
  }

  @Test
  void anImplausibleInlineDepthIsCut() throws Exception {
    fake.inlineDepth = 1_000_000;
    open();
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1041)))
        .containsExactly(
            "app.exe!inner [inlined] (inner.h:4)",
            "app.exe!outer [inlined] (util.h:7)",
            "app.exe!main+0x41 (C:\\work\\app\\main.c:14)");
    assertThat(fake.calls("SymFromInlineContextW")).hasSize(FrameLookup.MAX_INLINE_DEPTH);
  }

  @Test
  void anUnexpectedFailureInsideDbghelpGivesTheModuleOffsetAndOneWarning() throws Exception {
    open();
    fake.symFromAddrThrows = new IllegalStateException("Invalid memory access");
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1041)))
        .containsExactly("app.exe!+0x1041");
    assertThat(resolver.resolve(BASE + 0x2011).text()).isEqualTo("app.exe!+0x2011");
    assertThat(warnings())
        .containsExactly(
            "WARNING dbghelp failed to name the frame at 0x7ff600001041 (Invalid memory access);"
                + " frames it fails on are shown as module!+0xOFF.");
    fake.symFromAddrThrows = null; // not cached: named once dbghelp answers
    assertThat(resolver.resolve(BASE + 0x1041).text())
        .isEqualTo("app.exe!main+0x41 (C:\\work\\app\\main.c:14)");
  }

  @Test
  void aClosedResolverStillAnswers() throws Exception {
    open();
    resolver.close();
    assertThat(texts(resolver.resolveWithInlines(BASE + 0x1041)))
        .containsExactly("app.exe!+0x1041");
    assertThat(warnings()).isEmpty();
  }
}
