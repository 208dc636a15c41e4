package io.leakdetector.symbols.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.symbols.testing.RecordingLogger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dbghelp resolver against a scripted dbghelp/psapi/kernel32 ({@link FakeSymbolApi}). */
class DbgHelpSymbolResolverTest {
  static final String EXE = "C:\\work\\demo\\demo.exe";
  static final String NTDLL = "C:\\Windows\\System32\\ntdll.dll";
  static final String KERNELBASE = "C:\\Windows\\System32\\KernelBase.dll";
  static final long EXE_BASE = 0x7ff6_1234_0000L;
  static final long NTDLL_BASE = 0x7ffa_5550_0000L;
  static final Map<String, String> ENV =
      Map.of("LOCALAPPDATA", "C:\\Users\\me\\AppData\\Local", "SystemRoot", "C:\\Windows");

  final FakeSymbolApi fake = new FakeSymbolApi();
  final RecordingLogger log = new RecordingLogger();
  SymbolResolver resolver;

  @AfterEach
  void close() {
    if (resolver != null) {
      resolver.close();
    }
  }

  DbgHelpSymbolResolverProvider provider(Map<String, String> env) {
    Set<String> files = Set.of("C:\\Windows\\System32\\dbghelp.dll");
    return new DbgHelpSymbolResolverProvider(
        true, "Windows 11", env, files::contains, dll -> fake.api(), log);
  }

  SymbolResolver open() throws LeakDetectorException {
    fake.add(EXE, EXE_BASE, 0x5000, Map.of()); // exports only: no symbols here
    fake.add(
        NTDLL,
        NTDLL_BASE,
        0x1f0000,
        Map.of(0x9_0000L, "RtlAllocateHeap", 0xA_0000L, "NtTraceEvent"));
    resolver = provider(ENV).open(new TargetProcess(7408, "demo.exe"), SymbolOptions.DEFAULTS);
    return resolver;
  }

  @Test
  void framesAreModuleSymbolOffsetOrModuleOffset() throws Exception {
    open();
    assertThat(resolver.resolve(NTDLL_BASE + 0x9_001AL).text())
        .isEqualTo("ntdll.dll!RtlAllocateHeap+0x1A");
    assertThat(resolver.resolve(NTDLL_BASE + 0xA_000CL).text())
        .isEqualTo("ntdll.dll!NtTraceEvent+0xC");
    assertThat(resolver.resolve(EXE_BASE + 0x1234).text()).isEqualTo("demo.exe!+0x1234");
    assertThat(resolver.resolve(0x1000)).isEqualTo(Frame.unknown(0x1000, false));
    Frame kernel = resolver.resolve(0xFFFFF802_1234_5678L);
    assertThat(kernel.kernel()).isTrue();
    assertThat(kernel.module()).isNull();
  }

  @Test
  void modulesAreLoadedByPathBaseAndSizeIntoAPseudoHandle() throws Exception {
    open();
    assertThat(fake.log)
        .containsSubsequence(
            "OpenProcess 410 7408",
            "EnumProcessModulesEx 3",
            "SymSetOptions 80216",
            "SymInitializeW false",
            "SymLoadModuleExW " + EXE + " 7ff612340000 5000 0",
            "SymLoadModuleExW " + NTDLL + " 7ffa55500000 1f0000 0");
    assertThat(com.sun.jna.Pointer.nativeValue(fake.session))
        .isNotEqualTo(0x3000L); // not the process
    assertThat(fake.searchPath)
        .isEqualTo(
            "C:\\work\\demo;srv*C:\\Users\\me\\AppData\\Local\\LeakDetector\\symbols*https://msdl.microsoft.com/download/symbols");
    assertThat(log.records)
        .containsExactly(
            "INFO dbghelp: using C:\\Windows\\System32\\dbghelp.dll (no symsrv.dll beside it: local"
                + " symbols and exports only; install Debugging Tools for Windows for Microsoft's"
                + " symbol server)");
  }

  @Test
  void ntSymbolPathIsUsedWhenSet() throws Exception {
    fake.add(EXE, EXE_BASE, 0x5000, Map.of());
    resolver =
        provider(Map.of("_NT_SYMBOL_PATH", "srv*D:\\sym*https://symbols.example"))
            .open(new TargetProcess(7408, "demo.exe"), SymbolOptions.DEFAULTS);
    assertThat(fake.searchPath).isEqualTo("C:\\work\\demo;srv*D:\\sym*https://symbols.example");
  }

  @Test
  void reportsStillResolveAfterTheTargetExits() throws Exception {
    open();
    fake.alive = false;
    resolver.refresh();
    assertThat(fake.openHandles).isEmpty(); // the process handle is released at exit
    int enumerations =
        fake.log.stream().filter(l -> l.startsWith("EnumProcessModulesEx")).toList().size();
    assertThat(resolver.resolve(NTDLL_BASE + 0x9_0020L).text())
        .isEqualTo("ntdll.dll!RtlAllocateHeap+0x20");
    resolver.refresh();
    assertThat(fake.log.stream().filter(l -> l.startsWith("EnumProcessModulesEx")).toList())
        .hasSize(enumerations);
  }

  @Test
  void refreshPicksUpModulesLoadedLater() throws Exception {
    open();
    long address = 0x7ffa_4440_1004L;
    assertThat(resolver.resolve(address).module()).isNull();
    fake.add(KERNELBASE, 0x7ffa_4440_0000L, 0x30_0000, Map.of(0x1000L, "HeapAlloc"));
    resolver.refresh();
    assertThat(resolver.resolve(address).text()).isEqualTo("KernelBase.dll!HeapAlloc+0x4");
    assertThat(fake.log.stream().filter(l -> l.startsWith("SymLoadModuleExW")).toList())
        .hasSize(3); // no reload
  }

  @Test
  void aSuspendedTargetGetsItsSymbolPathWhenItsModulesAppear() throws Exception {
    fake.alive = false; // EnumProcessModulesEx fails before the loader ran
    resolver = provider(ENV).open(new TargetProcess(7408, "demo.exe"), SymbolOptions.DEFAULTS);
    assertThat(fake.searchPath).startsWith("srv*");
    fake.alive = true;
    fake.add(EXE, EXE_BASE, 0x5000, Map.of());
    resolver.refresh();
    assertThat(fake.log)
        .contains(
            "SymSetSearchPathW C:\\work\\demo;srv*C:\\Users\\me\\AppData\\Local\\LeakDetector\\symbols*https://msdl.microsoft.com/download/symbols");
    assertThat(resolver.resolve(EXE_BASE + 0x10).text()).isEqualTo("demo.exe!+0x10");
  }

  @Test
  void moduleReportsFromTheSourceAreLoadedToo() throws Exception {
    open();
    fake.add("C:\\x\\plugin.dll", 0x1_8000_0000L, 0x1000, Map.of(0L, "entry"));
    resolver.onModuleMapped(
        new ModuleMapping(0x1_8000_0000L, 0x1_8000_1000L, 0, "C:\\x\\plugin.dll"));
    assertThat(resolver.resolve(0x1_8000_0010L).text()).isEqualTo("plugin.dll!entry+0x10");
  }

  @Test
  void everyDbghelpCallRunsOnOneThread() throws Exception {
    open();
    ExecutorService callers = Executors.newFixedThreadPool(4);
    List<Future<Frame>> frames = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      long address = NTDLL_BASE + 0x9_0001L + i; // return addresses: never a function's start
      frames.add(callers.submit(() -> resolver.resolve(address)));
    }
    for (Future<Frame> frame : frames) {
      assertThat(frame.get().symbol()).isEqualTo("RtlAllocateHeap");
    }
    callers.shutdown();
    resolver.close();
    assertThat(fake.log).contains("SymCleanup");
    assertThat(fake.dbghelpThreads).hasSize(1);
    assertThat(fake.dbghelpThreads.iterator().next().getName()).isEqualTo("leakdetector-dbghelp");
    assertThat(fake.openHandles).isEmpty();
  }

  @Test
  void framesAreCachedPerAddress() throws Exception {
    open();
    resolver.resolve(NTDLL_BASE + 0x9_0001L);
    resolver.resolve(NTDLL_BASE + 0x9_0001L);
    assertThat(fake.log.stream().filter(l -> l.startsWith("SymFromAddrW")).toList()).hasSize(1);
  }

  @Test
  void failuresAreOneSentence() {
    fake.openDenied = true;
    assertThatThrownBy(
            () -> provider(ENV).open(new TargetProcess(7408, "demo.exe"), SymbolOptions.DEFAULTS))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_PERMITTED))
        .hasMessage(
            "Windows denied reading the modules of process 7408: run from an administrator console.");
    fake.openDenied = false;
    assertThatThrownBy(
            () -> provider(ENV).open(new TargetProcess(9, "x.exe"), SymbolOptions.DEFAULTS))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS));
    fake.initializeFails = true;
    assertThatThrownBy(
            () -> provider(ENV).open(new TargetProcess(7408, "demo.exe"), SymbolOptions.DEFAULTS))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
        .hasMessage("dbghelp could not start a symbol session (SymInitializeW error 87).");
    assertThat(fake.openHandles).isEmpty();
  }

  @Test
  void aWow64TargetsSystemDllsAreLoadedFromSysWow64() throws Exception {
    fake.wow64 = true;
    long ntdll32 = 0x7770_0000L;
    // GetModuleFileNameExW names the 32-bit ntdll under System32; its file is SysWOW64's.
    fake.add("C:\\Program Files (x86)\\app\\app.exe", 0x40_0000L, 0x1000, Map.of());
    fake.add(NTDLL, ntdll32, 0x1a_0000, Map.of());
    fake.add(NTDLL, NTDLL_BASE, 0x1f_0000, Map.of(0x9_0000L, "RtlAllocateHeap"));
    fake.file("C:\\Windows\\SysWOW64\\ntdll.dll", Map.of(0x5_0000L, "RtlAllocateHeap32"));
    resolver = provider(ENV).open(new TargetProcess(7408, "app.exe"), SymbolOptions.DEFAULTS);
    assertThat(fake.log)
        .contains(
            "IsWow64Process",
            "SymLoadModuleExW C:\\Windows\\SysWOW64\\ntdll.dll 77700000 1a0000 0",
            "SymLoadModuleExW " + NTDLL + " 7ffa55500000 1f0000 0") // the 64-bit ntdll stays
        .doesNotContain("SymLoadModuleExW " + NTDLL + " 77700000 1a0000 0");
    assertThat(resolver.resolve(ntdll32 + 0x5_0004L).text())
        .isEqualTo("ntdll.dll!RtlAllocateHeap32+0x4");
    assertThat(resolver.resolve(NTDLL_BASE + 0x9_0004L).text())
        .isEqualTo("ntdll.dll!RtlAllocateHeap+0x4");
  }

  @Test
  void aNativeTargetKeepsItsSystem32Paths() throws Exception {
    fake.wow64 = false;
    fake.add(NTDLL, 0x7770_0000L, 0x1a_0000, Map.of());
    resolver = provider(ENV).open(new TargetProcess(7408, "demo.exe"), SymbolOptions.DEFAULTS);
    assertThat(fake.log).contains("SymLoadModuleExW " + NTDLL + " 77700000 1a0000 0");
  }

  @Test
  void theErrorOfAFailedSymInitializeIsReadOnTheDbghelpThread() {
    // The fake keeps the last error per thread, as Windows does: read on the caller's thread it
    // would be 0, not the 87 dbghelp set.
    fake.initializeFails = true;
    fake.add(EXE, EXE_BASE, 0x5000, Map.of());
    assertThatThrownBy(
            () -> provider(ENV).open(new TargetProcess(7408, "demo.exe"), SymbolOptions.DEFAULTS))
        .hasMessage("dbghelp could not start a symbol session (SymInitializeW error 87).");
    assertThat(fake.lastError.get()).isZero(); // this thread's own last error is untouched
  }

  @Test
  void moduleEventsReplaceThePollAndDoNotWaitForDbghelp() throws Exception {
    open();
    int enumerations = fake.calls("EnumProcessModulesEx").size();
    resolver.refresh(); // no module events yet: the fallback poll runs
    assertThat(fake.calls("EnumProcessModulesEx")).hasSize(enumerations + 1);
    fake.add("C:\\x\\late.dll", 0x1_9000_0000L, 0x1000, Map.of(0x10L, "lateFunction"));
    CountDownLatch release = new CountDownLatch(1);
    fake.blockNextSymFromAddr = release; // dbghelp busy (a symbol-server download)
    Thread lookup = new Thread(() -> resolver.resolve(NTDLL_BASE + 0x9_0010L));
    lookup.start();
    waitUntil(() -> fake.blocked);
    long before = System.nanoTime();
    resolver.onModuleMapped(
        new ModuleMapping(0x1_9000_0000L, 0x1_9000_1000L, 0, "C:\\x\\late.dll"));
    assertThat(System.nanoTime() - before).isLessThan(TimeUnit.SECONDS.toNanos(1));
    release.countDown();
    lookup.join(5_000);
    assertThat(resolver.resolve(0x1_9000_0012L).text()).isEqualTo("late.dll!lateFunction+0x2");
    resolver.refresh(); // module events arrive: the poll is no longer needed
    assertThat(fake.calls("EnumProcessModulesEx")).hasSize(enumerations + 1);
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(2);
    }
  }

  @Test
  void theModuleProvidesTheResolver() {
    assertThat(DbgHelpSymbolResolverProvider.class.getModule().getDescriptor().provides())
        .anySatisfy(
            p -> {
              assertThat(p.service())
                  .isEqualTo(io.leakdetector.spi.SymbolResolverProvider.class.getName());
              assertThat(p.providers()).contains(DbgHelpSymbolResolverProvider.class.getName());
            });
  }

  @Test
  void unavailableOffWindows() {
    DbgHelpSymbolResolverProvider real = new DbgHelpSymbolResolverProvider();
    assertThat(real.name()).isEqualTo("dbghelp");
    assertThat(real.availability())
        .isEqualTo(Availability.unavailable("dbghelp symbols need 64-bit Windows; this is Linux."));
    assertThatThrownBy(() -> real.open(new TargetProcess(1, "init"), SymbolOptions.DEFAULTS))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE));
  }
}
