package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.internal.engine.RawStack;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.MapsEntry;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A libc mapped after attach ({@code dlmopen(LM_ID_NEWLM, …)} in {@code src/test/c/second_libc.c}):
 * a copy of the system libc at another path (another inode) must be probed late from its {@code
 * PERF_RECORD_MMAP2}; the system libc's own file mapped again in a new namespace is already covered
 * by the probes placed at attach (uprobes belong to a file) and must not be probed twice. In both
 * cases the leaks through the second libc and through the main libc are exact per function.
 */
class LateLibcTest {
  private static final long MARKER_SIZE = 765432;
  private static final Pattern LOADED =
      Pattern.compile("loaded lmid (\\d+) malloc 0x([0-9a-f]+) main_malloc 0x([0-9a-f]+)");

  @TempDir static Path dir;
  static Path fixture;
  static MapsEntry systemLibc;

  @BeforeAll
  static void compileAndFindLibc() throws Exception {
    Availability availability = new UprobesSourceProvider().availability();
    Prerequisites.require(availability.available(), "uprobe tracing: " + availability.reason());
    fixture =
        CCompiler.compile(
            CCompiler.testSource("second_libc.c"),
            dir.resolve("second_libc"),
            "-O1",
            "-fno-omit-frame-pointer",
            "-g");
    // the fixture links the same system libc as this JVM
    long self = ProcessHandle.current().pid();
    systemLibc = executableLibc(MapsEntry.read(self)).orElseThrow();
  }

  /** What second_libc.c leaves outstanding per function: count and bytes. */
  static Map<String, String> expected() {
    Map<String, String> m = new TreeMap<>();
    m.put("late_libc_malloc_kept", blocks(7, 7 * 1234));
    m.put("late_libc_calloc_kept", blocks(5, 5 * 6 * 50));
    m.put("late_libc_realloc_grown", blocks(4, 4 * 3000));
    m.put("late_libc_half_freed", blocks(10, 10 * 555));
    m.put("late_libc_big", blocks(2, 2 * 256 * 1024));
    m.put("late_libc_in_new_thread", blocks(3, 3 * 2468));
    // late_libc_all_freed frees everything it allocates: absent
    m.put("main_libc_kept", blocks(12, 9 * 2222 + 3 * 10 * 11));
    m.put("main_libc_some_freed", blocks(4, 4 * 3333));
    m.put("marker_done", blocks(1, MARKER_SIZE));
    return m;
  }

  private static String blocks(long count, long bytes) {
    return count + " blocks, " + bytes + " bytes";
  }

  @Test
  void aCopyOfLibcLoadedAfterAttachIsProbedLateAndItsLeaksAreExact(@TempDir Path copyDir)
      throws Exception {
    // named like a libc: the source recognizes a C library by its file name
    Path copy = Files.copy(Path.of(systemLibc.path()), copyDir.resolve("libc.so.6"));
    assertThat(LibcLocator.inodeOf(copy)).isNotEqualTo(systemLibc.inode());
    Run run = run(copy.toRealPath().toString(), true);

    assertThat(run.outstanding()).isEqualTo(expected());
    assertThat(run.counters()).containsEntry("libcsProbedLate", 1L);
    assertThat(run.counters().get("probeSites")).isEqualTo(2 * run.sitesAtAttach());
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
    assertThat(run.snapshot().counts().lostEvents()).isZero();
    assertThat(run.lateMapping().path()).isEqualTo(copy.toRealPath().toString());
  }

  @Test
  void theSameLibcMappedAgainInANewNamespaceIsCoveredByTheProbesPlacedAtAttach() throws Exception {
    Run run = run(systemLibc.path(), false);

    assertThat(run.outstanding()).isEqualTo(expected());
    // the file is already probed: no second set of probes (each call would hit two)
    assertThat(run.counters()).containsEntry("libcsProbedLate", 0L);
    assertThat(run.counters().get("probeSites")).isEqualTo(run.sitesAtAttach());
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
    assertThat(run.lateMapping().path()).isEqualTo(systemLibc.path());
  }

  record Run(
      Map<String, String> outstanding,
      EngineSnapshot snapshot,
      Map<String, Long> counters,
      long sitesAtAttach,
      ModuleMapping lateMapping) {}

  /**
   * Attaches to the fixture, lets it dlmopen {@code libcPath}, waits until the source has read the
   * new libc's code mapping (and, when {@code probedLate}, placed its probes), then lets it leak.
   */
  private static Run run(String libcPath, boolean probedLate) throws Exception {
    try (FixtureProcess p = FixtureProcess.start(fixture, libcPath)) {
      p.await("ready", 30);
      assertThat(executableLibc(MapsEntry.read(p.pid())).orElseThrow().inode())
          .as("the fixture maps the same libc as this JVM")
          .isEqualTo(systemLibc.inode());
      FixtureSymbols symbols = new FixtureSymbols(fixture, p.pid());
      EngineProbe engine = new EngineProbe(MARKER_SIZE);
      List<ModuleMapping> mappings = new CopyOnWriteArrayList<>();
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(new SourceRequest(new TargetSpec.Pid(p.pid()), false, Map.of()))) {
        long sitesAtAttach = source.counters().get("probeSites");
        source.start(engine, mappings::add);
        p.send("go");
        Matcher loaded = LOADED.matcher(p.await("loaded", 60));
        assertThat(loaded.matches()).as("fixture's load line").isTrue();
        assertThat(loaded.group(1)).as("a new link-map namespace").isNotEqualTo("0");
        long lateMalloc = Long.parseUnsignedLong(loaded.group(2), 16);
        long mainMalloc = Long.parseUnsignedLong(loaded.group(3), 16);
        assertThat(lateMalloc)
            .as("the second libc's malloc is another copy")
            .isNotEqualTo(mainMalloc);

        Supplier<String> state =
            () -> source.counters() + " " + ((UprobesSource) source).lastThreadError();
        ModuleMapping late =
            await(
                () ->
                    mappings.stream()
                        .filter(m -> m.path().equals(libcPath))
                        .filter(m -> m.start() <= lateMalloc && lateMalloc < m.end())
                        .filter(m -> !(m.start() <= mainMalloc && mainMalloc < m.end()))
                        .findFirst(),
                "a module mapping of " + libcPath + " holding its malloc",
                state);
        if (probedLate) {
          // Blocks allocated through the new libc before its probes are in place cannot be seen:
          // the fixture allocates only after this (probeLateLibc counts a libc once every
          // thread's events on it are open and enabled, which installs the breakpoints).
          await(
              () ->
                  Optional.ofNullable(
                      source.counters().get("libcsProbedLate") >= 1 ? Boolean.TRUE : null),
              "libcsProbedLate >= 1",
              state);
        }
        // else the file is probed already: the kernel put its breakpoints into the new mapping
        // when it was made (uprobes belong to a file), before dlmopen returned
        p.send("leak");
        p.await("done", 60);
        source.poll();
        assertThat(engine.awaitMarker(60)).as("marker allocation seen").isTrue();
        EngineSnapshot snapshot = engine.snapshotAll();
        Map<String, Long> counters = source.counters();
        System.out.println("late libc " + libcPath + ": " + counters);
        Map<String, long[]> byFunction = new TreeMap<>();
        for (RawStack s : snapshot.stacks()) {
          if (s.outstandingCount() == 0) {
            continue;
          }
          String fn = s.frames().length == 0 ? "(empty)" : symbols.callerAt(s.frames()[0]);
          long[] c = byFunction.computeIfAbsent(fn, k -> new long[2]);
          c[0] += s.outstandingCount();
          c[1] += s.outstandingBytes();
        }
        Map<String, String> outstanding = new TreeMap<>();
        byFunction.forEach((k, v) -> outstanding.put(k, blocks(v[0], v[1])));
        // ld.so's and libc's own blocks (dlmopen's link map, dlerror state) are not the fixture's
        System.out.println("outside the fixture: " + outstanding.remove("?"));
        p.send("exit");
        return new Run(outstanding, snapshot, counters, sitesAtAttach, late);
      }
    }
  }

  private static Optional<MapsEntry> executableLibc(List<MapsEntry> maps) {
    return maps.stream()
        .filter(e -> e.executable() && LibcLocator.isLibcName(e.path()))
        .findFirst();
  }

  private static <T> T await(Supplier<Optional<T>> probe, String what, Supplier<String> state)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() - deadline < 0) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      Thread.sleep(10);
    }
    throw new AssertionError("not seen in 30 s: " + what + "; source: " + state.get());
  }
}
