package io.leakdetector.symbols.linux;

import static io.leakdetector.symbols.testing.NativeTools.compileFixture;
import static io.leakdetector.symbols.testing.NativeTools.requireTool;
import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.testing.DebugFixtures;
import io.leakdetector.symbols.testing.FixtureProcess;
import io.leakdetector.symbols.testing.NativeTools;
import io.leakdetector.symbols.testing.RecordingLogger;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stripped program, running, whose debug file only a debuginfod server on loopback has: its
 * frames are named once the file arrives, never later than the server lets them, never by waiting
 * for it; the file lands in the elfutils client cache layout; failures are asked once and logged
 * once; the off switch makes no request.
 */
class DebuginfodTest {
  static final SymbolOptions ON =
      new SymbolOptions(false, true, Optional.of(Duration.ofSeconds(5)));

  @TempDir static Path dir;
  static Path stripped;
  static Path debug;
  static String buildId;
  static long secondAddress;
  static String secondLine;

  @TempDir Path work;
  Path cache;
  LoopbackDebuginfod server;
  final RecordingLogger log = new RecordingLogger();

  @BeforeAll
  static void build() throws Exception {
    Path fixture = compileFixture("resolver_fixture.c", dir, "debuginfod_fixture", "-O1", "-g");
    stripped = DebugFixtures.stripped(fixture, dir.resolve("stripped_fixture"));
    debug = DebugFixtures.debugFile(fixture, dir.resolve("stripped_fixture.debug"));
    try (ElfFile elf = ElfFile.open(stripped)) {
      buildId = elf.buildId().orElseThrow();
      assertThat(elf.hasSymbolTable()).isFalse();
      assertThat(elf.debugLink()).isEmpty();
    }
    secondAddress =
        DebugFixtures.nmFunctions(fixture).entrySet().stream()
            .filter(e -> e.getValue().contains("fixture_second"))
            .findFirst()
            .orElseThrow()
            .getKey();
    // what binutils says of the unstripped file at the same place
    String[] located =
        NativeTools.run(
                "addr2line", "-f", "-e", fixture.toString(), "0x" + Long.toHexString(secondAddress))
            .strip()
            .split("\n");
    secondLine = located[1].replaceFirst(" \\(discriminator \\d+\\)$", "");
  }

  @BeforeEach
  void startServer() throws IOException {
    cache = work.resolve("cache"); // not there yet: made by the first download
    server = LoopbackDebuginfod.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  SymbolResolver open(FixtureProcess p, String urls, SymbolOptions options) throws Exception {
    Map<String, String> env =
        Map.of("DEBUGINFOD_URLS", urls, "DEBUGINFOD_CACHE_PATH", cache.toString());
    return new ElfSymbolResolverProvider(env, log)
        .open(new TargetProcess(p.pid(), "stripped_fixture"), options);
  }

  static ModuleFile module(SymbolResolver resolver) {
    return ((ElfSymbolResolver) resolver)
        .ranges().stream()
            .filter(r -> r.module() != null && r.module().path().equals(stripped.toString()))
            .findFirst()
            .orElseThrow()
            .module();
  }

  /** The frame as the module's own file names it: no name, the offset from the image base. */
  static String unnamed() {
    return "stripped_fixture!+0x" + Long.toHexString(secondAddress + 1).toUpperCase();
  }

  @Test
  void framesAreNamedOnceTheDebugFileArrivesAndTheCacheIsReused() throws Exception {
    server.serve(buildId, debug);
    Path cached = cache.resolve(buildId).resolve("debuginfo");
    try (FixtureProcess p = FixtureProcess.start(stripped)) {
      long[] a = p.readAddresses();
      try (SymbolResolver resolver = open(p, server.url(), ON)) {
        Frame first = resolver.resolve(a[1] + 1);
        assertThat(first.text().replaceFirst(" \\([^()]*\\)$", ""))
            .isIn(unnamed(), "stripped_fixture!fixture_second+0x1");
        awaitTrue(() -> resolver.resolve(a[1] + 1).symbol() != null);
        assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo("stripped_fixture!fixture_second+0x1");
        assertThat(resolver.resolve(a[0] + 3).text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo("stripped_fixture!fixture_first+0x3");

        // elfutils' layout, the file complete, no temporary file of ours left beside it.
        assertThat(cached).hasSameBinaryContentAs(debug);
        try (Stream<Path> files = Files.list(cached.getParent())) {
          assertThat(files).containsExactly(cached);
        }
        assertThat(server.requestsFor(buildId)).isEqualTo(1);
        // Lines too come from the fetched file, as addr2line reads them from the unstripped one.
        Frame lined = resolver.resolve(a[1] + 1);
        assertThat(lined.file() + ":" + lined.line()).isEqualTo(secondLine);
        // The fetched file is the one that holds the module's DWARF.
        try (ElfFile dwarf = module(resolver).debugInfoFile().orElseThrow()) {
          assertThat(dwarf.path()).isEqualTo(cached);
          assertThat(dwarf.section(".debug_line")).isPresent();
        }
      }
      // Another resolver finds the file in the cache: named at once, nothing asked.
      try (SymbolResolver again = open(p, server.url(), ON)) {
        assertThat(again.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo("stripped_fixture!fixture_second+0x1");
      }
    }
    assertThat(server.requestsFor(buildId)).isEqualTo(1);
  }

  @Test
  void resolutionDoesNotWaitForASlowServer() throws Exception {
    server.serve(buildId, debug);
    server.holdAnswers();
    try (FixtureProcess p = FixtureProcess.start(stripped);
        SymbolResolver resolver = open(p, server.url(), ON)) {
      long[] a = p.readAddresses();
      assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo(unnamed());
      assertThat(server.awaitFirstRequest(30)).as("the download has begun").isTrue();
      // The server holds its answer: resolution returns anyway, the frame unnamed, not kept.
      assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo(unnamed());
      assertThat(module(resolver).awaitsDebugFile()).isTrue();
      assertThat(server.holding()).isTrue();

      server.release();
      awaitTrue(() -> resolver.resolve(a[1] + 1).symbol() != null);
      assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo("stripped_fixture!fixture_second+0x1");
    }
  }

  @Test
  void aServerThatNeverAnswersTimesOutOnceAndIsLoggedOnce() throws Exception {
    SymbolOptions oneSecond = new SymbolOptions(false, true, Optional.of(Duration.ofSeconds(1)));
    // Connections are queued by the kernel and never accepted: the request is never answered.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FixtureProcess p = FixtureProcess.start(stripped)) {
      String url = "http://127.0.0.1:" + silent.getLocalPort();
      long[] a = p.readAddresses();
      try (SymbolResolver resolver = open(p, url, oneSecond)) {
        assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo(unnamed());
        awaitTrue(() -> !module(resolver).awaitsDebugFile());
        assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo(unnamed());
        resolver.resolve(a[2] + 1); // libc: the server is not asked again for a while
        assertThat(warnings())
            .singleElement()
            .asString()
            .contains("build id " + buildId, url + " did not answer within 1 s");
      }
    }
  }

  @Test
  void aStoppedServerIsAFailureRememberedPerBuildId() throws Exception {
    String url = server.url();
    server.close();
    try (FixtureProcess p = FixtureProcess.start(stripped);
        SymbolResolver resolver = open(p, url, ON)) {
      long[] a = p.readAddresses();
      assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo(unnamed());
      awaitTrue(() -> !module(resolver).awaitsDebugFile());
      for (int i = 0; i < 5; i++) {
        assertThat(resolver.resolve(a[1] + i).symbol()).isNull();
      }
      assertThat(warnings())
          .singleElement()
          .asString()
          .contains("build id " + buildId, "cannot connect to " + url);
    }
  }

  @Test
  void aFileNoServerHasIsAskedForOnce() throws Exception {
    try (FixtureProcess p = FixtureProcess.start(stripped);
        SymbolResolver resolver = open(p, server.url(), ON)) {
      long[] a = p.readAddresses();
      resolver.resolve(a[1] + 1);
      awaitTrue(() -> !module(resolver).awaitsDebugFile());
      for (int i = 0; i < 5; i++) {
        resolver.refresh();
        assertThat(resolver.resolve(a[1] + i).symbol()).isNull();
      }
      assertThat(server.requestsFor(buildId)).isEqualTo(1);
      assertThat(warnings()).isEmpty();
      assertThat(log.records)
          .contains("DEBUG debuginfod: no server has the debug file of build id " + buildId);
    }
    assertThat(cache.resolve(buildId)).as("the folder made for the download").doesNotExist();
  }

  @Test
  void theOffSwitchMakesNoRequest() throws Exception {
    SymbolOptions off = new SymbolOptions(false, false, Optional.empty());
    assertThat(
            new ElfSymbolResolverProvider(Map.of("DEBUGINFOD_URLS", server.url()), log)
                .downloads(off)
                .enabled())
        .isFalse();
    try (FixtureProcess p = FixtureProcess.start(stripped)) {
      long[] a = p.readAddresses();
      try (SymbolResolver resolver = open(p, server.url(), off)) {
        assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo(unnamed());
        assertThat(module(resolver).awaitsDebugFile()).isFalse();
        assertThat(resolver.resolve(a[2] + 1).symbol()).isEqualTo("malloc");
      }
    }
    assertThat(server.requests()).isEmpty();
    assertThat(cache).doesNotExist();
    assertThat(log.records).isEmpty();
  }

  @Test
  void aFileOfAnotherBuildIsRefusedAndOnlyOurTemporaryFileRemoved() throws Exception {
    Path other =
        DebugFixtures.debugFile(
            compileFixture("plugin.c", work, "other.so", "-O1", "-g", "-shared", "-fPIC"),
            work.resolve("other.debug"));
    server.serve(buildId, other);
    Path foreign = Files.createDirectories(cache.resolve(buildId)).resolve("debuginfo.tmp-of-gdb");
    Files.writeString(foreign, "another client's download in progress");
    try (DebugFileDownloads downloads = provider().downloads(ON)) {
      assertThat(downloads.request(buildId).get(30, TimeUnit.SECONDS)).isEmpty();
    }
    try (Stream<Path> files = Files.list(cache.resolve(buildId))) {
      assertThat(files).containsExactly(foreign);
    }
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("not an ELF file with that build id");
  }

  @Test
  void elfutilsClientFindsOurDownloadInTheCache() throws Exception {
    requireTool("debuginfod-find");
    server.serve(buildId, debug);
    Path fetched;
    try (DebugFileDownloads downloads = provider().downloads(ON)) {
      fetched = downloads.request(buildId).get(30, TimeUnit.SECONDS).orElseThrow();
    }
    // elfutils' own client, its only server unreachable, answers from the cache alone.
    String found = debuginfodFind("http://127.0.0.1:" + closedPort(), cache);
    assertThat(Path.of(found.strip())).isEqualTo(fetched);
  }

  @Test
  void aFileElfutilsClientCachedIsUsedWithoutAsking() throws Exception {
    requireTool("debuginfod-find");
    server.serve(buildId, debug);
    String found = debuginfodFind(server.url(), cache);
    assertThat(server.requestsFor(buildId)).isEqualTo(1);
    try (DebugFileDownloads downloads = provider().downloads(ON)) {
      var request = downloads.request(buildId);
      assertThat(request).isDone();
      assertThat(request.get()).contains(Path.of(found.strip()));
    }
    assertThat(server.requestsFor(buildId)).isEqualTo(1);
  }

  private ElfSymbolResolverProvider provider() {
    return new ElfSymbolResolverProvider(
        Map.of("DEBUGINFOD_URLS", server.url(), "DEBUGINFOD_CACHE_PATH", cache.toString()), log);
  }

  private List<String> warnings() {
    return log.records.stream().filter(r -> r.startsWith("WARNING ")).toList();
  }

  /** {@code debuginfod-find debuginfo BUILDID}: the path of the file in the cache. */
  private static String debuginfodFind(String urls, Path cache) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder("debuginfod-find", "debuginfo", buildId).redirectErrorStream(true);
    builder.environment().put("DEBUGINFOD_URLS", urls);
    builder.environment().put("DEBUGINFOD_CACHE_PATH", cache.toString());
    builder.environment().put("DEBUGINFOD_TIMEOUT", "5");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Polls until {@code condition} holds; fails after 30 s. */
  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited 30 s").isNegative();
      Thread.sleep(20);
    }
  }
}
