package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.internal.engine.EngineSnapshot;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.probe.FileId;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.EngineProbe;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.FixtureSymbols;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A libc mapped after attach ({@code dlmopen(LM_ID_NEWLM, …)} in {@code src/test/c/second_libc.c})
 * must be probed late from its {@code PERF_RECORD_MMAP2} when it is another file, and must not be
 * probed a second time when it is a file probed already. A file is its device and inode:
 *
 * <ul>
 *   <li>a copy of the system libc at another path is probed late;
 *   <li>a copy under a name that is not a libc's is recognized by its {@code DT_SONAME};
 *   <li>two copies on two fresh tmpfs (same inode number 2, two devices), one loaded before attach
 *       and one after: the second is probed late (an inode number alone would call it probed);
 *   <li>the system libc's own file mapped again is covered by the probes placed at attach (the
 *       device and inode of its MMAP2 record equal those of its /proc/PID/maps line);
 *   <li>the system libc seen through an overlay (another device, the same inode number, the same
 *       real file underneath) is already covered too: its code holds our breakpoints, and probing
 *       it again would count each call twice.
 * </ul>
 *
 * In every case the leaks through the second libc and through the main libc are exact per function.
 */
class LateLibcTest {
  private static final long MARKER_SIZE = 765432;
  private static final Pattern LOADED =
      Pattern.compile("loaded lmid (\\d+) malloc 0x([0-9a-f]+) main_malloc 0x([0-9a-f]+)");

  @TempDir static Path dir;
  static Path fixture;
  static ProcMapsEntry systemLibc;
  static long sitesPerLibc;

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
    systemLibc = executableLibc(ProcMaps.read(self)).orElseThrow();
    Path libc = Path.of(systemLibc.path());
    sitesPerLibc =
        new LibcProbePlanner(true).plan(libc.toString(), libc, FileId.NONE).sites().size();
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
    Path copy = Files.copy(Path.of(systemLibc.path()), copyDir.resolve("libc.so.6"));
    assertThat(LibcLocator.fileIdOf(copy)).isNotEqualTo(FileId.of(systemLibc));
    String late = copy.toRealPath().toString();
    Run run = run(List.of(fixture.toString(), late), late, "libcsProbedLate");

    assertThat(run.outstanding()).isEqualTo(expected());
    assertThat(run.counters()).containsEntry("libcsProbedLate", 1L);
    assertThat(run.sitesAtAttach()).isEqualTo(sitesPerLibc);
    assertThat(run.counters().get("probeSites")).isEqualTo(2 * sitesPerLibc);
    assertThat(run.counters()).containsEntry("lateProbeFailures", 0L);
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
    assertThat(run.snapshot().counts().lostEvents()).isZero();
    assertThat(run.lateMapping().path()).isEqualTo(late);
  }

  @Test
  void aLibcUnderAnotherFileNameIsRecognizedByItsSoname(@TempDir Path copyDir) throws Exception {
    Path copy = Files.copy(Path.of(systemLibc.path()), copyDir.resolve("renamed-runtime.so"));
    assertThat(LibcLocator.isLibcName(copy.toString())).isFalse();
    assertThat(LibcLocator.hasLibcSoname(copy)).isTrue();
    String late = copy.toRealPath().toString();
    Run run = run(List.of(fixture.toString(), late), late, "libcsProbedLate");

    assertThat(run.outstanding()).isEqualTo(expected());
    assertThat(run.counters()).containsEntry("libcsProbedLate", 1L);
    assertThat(run.counters().get("probeSites")).isEqualTo(2 * sitesPerLibc);
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
  }

  @Test
  void aLibcWithTheInodeNumberOfAProbedOneOnAnotherFilesystemIsProbedLate(@TempDir Path ns)
      throws Exception {
    requireMountNamespaces();
    Path a = Files.createDirectory(ns.resolve("a"));
    Path b = Files.createDirectory(ns.resolve("b"));
    // in a private mount namespace (gone with the fixture): a fresh tmpfs on each folder, the
    // libc copied into each (the first file of a fresh tmpfs gets inode 2 on both), a/ loaded
    // before attach, b/ after
    String script =
        "mount -t tmpfs -o size=16m leakdetector-a \"$1\""
            + " && mount -t tmpfs -o size=16m leakdetector-b \"$2\""
            + " && cp \"$3\" \"$1/libc.so.6\" && cp \"$3\" \"$2/libc.so.6\""
            + " && exec \"$4\" \"$2/libc.so.6\" \"$1/libc.so.6\"";
    String early = a + "/libc.so.6";
    String late = b + "/libc.so.6";
    List<String> command =
        inPrivateMountNamespace(
            script, a.toString(), b.toString(), systemLibc.path(), fixture.toString());
    Run run = run(command, late, "libcsProbedLate");

    FileId earlyId = run.fileIds().get(early);
    FileId lateId = run.fileIds().get(late);
    assertThat(earlyId.inode()).as("the same inode number").isEqualTo(lateId.inode());
    assertThat(earlyId).as("on two devices").isNotEqualTo(lateId);
    assertThat(run.sitesAtAttach()).as("system libc and a/ at attach").isEqualTo(2 * sitesPerLibc);
    assertThat(run.counters()).containsEntry("libcsProbedLate", 1L);
    assertThat(run.counters().get("probeSites")).isEqualTo(3 * sitesPerLibc);
    assertThat(run.counters()).containsEntry("lateLibcsAliased", 0L);
    assertThat(run.outstanding()).isEqualTo(expected());
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
  }

  @Test
  void theSameLibcMappedAgainInANewNamespaceIsCoveredByTheProbesPlacedAtAttach() throws Exception {
    Run run =
        run(
            List.of(fixture.toString(), systemLibc.path()),
            systemLibc.path(),
            "lateLibcMappingsOfProbedFiles");

    assertThat(run.outstanding()).isEqualTo(expected());
    // the device and inode of the MMAP2 record equal those of the maps line read at attach: the
    // file is known to be probed, no second set of probes (each call would hit two)
    assertThat(run.counters().get("lateLibcMappingsOfProbedFiles")).isGreaterThanOrEqualTo(1L);
    assertThat(run.counters()).containsEntry("lateLibcsAliased", 0L);
    assertThat(run.counters()).containsEntry("libcsProbedLate", 0L);
    assertThat(run.counters().get("probeSites")).isEqualTo(run.sitesAtAttach());
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
    assertThat(run.lateMapping().path()).isEqualTo(systemLibc.path());
  }

  @Test
  void theProbedLibcSeenThroughAnOverlayIsNotProbedTwice(@TempDir Path ns) throws Exception {
    requireMountNamespaces();
    Prerequisites.require(
        Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n"), "overlayfs");
    Path lower = Path.of(systemLibc.path()).toRealPath().getParent();
    Path merged = Files.createDirectory(ns.resolve("merged"));
    Path upper = Files.createDirectory(ns.resolve("upper"));
    Path work = Files.createDirectory(ns.resolve("work"));
    String script =
        "mount -t overlay leakdetector-overlay -o \"lowerdir=$1,upperdir=$2,workdir=$3\" \"$4\""
            + " && exec \"$5\" \"$4/$6\"";
    String late = merged + "/" + Path.of(systemLibc.path()).getFileName();
    List<String> command =
        inPrivateMountNamespace(
            script,
            lower.toString(),
            upper.toString(),
            work.toString(),
            merged.toString(),
            fixture.toString(),
            Path.of(systemLibc.path()).getFileName().toString());
    Run run = run(command, late, "lateLibcsAliased");

    FileId overlayId = run.fileIds().get(late);
    assertThat(overlayId).as("the overlay's device").isNotEqualTo(FileId.of(systemLibc));
    assertThat(run.counters()).containsEntry("lateLibcsAliased", 1L);
    assertThat(run.counters()).containsEntry("libcsProbedLate", 0L);
    assertThat(run.counters().get("probeSites")).isEqualTo(sitesPerLibc);
    assertThat(run.outstanding()).as("each call counted once").isEqualTo(expected());
    assertThat(run.counters()).containsEntry("lostEvents", 0L);
  }

  private static void requireMountNamespaces() {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/unshare"))
            || Files.isExecutable(Path.of("/bin/unshare")),
        "unshare (util-linux)");
    Prerequisites.require(
        "root".equals(System.getProperty("user.name")), "root, to mount in a mount namespace");
  }

  /**
   * The fixture started by {@code /bin/sh -c script} in a new private mount namespace; {@code exec}
   * keeps the pid, so the process the test holds is the fixture.
   */
  private static List<String> inPrivateMountNamespace(String script, String... args) {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"));
    command.addAll(List.of(args));
    return command;
  }

  record Run(
      Map<String, String> outstanding,
      EngineSnapshot snapshot,
      Map<String, Long> counters,
      long sitesAtAttach,
      ModuleMapping lateMapping,
      Map<String, FileId> fileIds) {}

  /**
   * Attaches to the fixture, lets it dlmopen {@code lateLibc}, waits until the source has read the
   * new libc's code mapping and decided about it (counter {@code decided} at least 1), then lets it
   * leak.
   */
  private static Run run(List<String> command, String lateLibc, String decided) throws Exception {
    try (FixtureProcess p = FixtureProcess.start(command)) {
      p.await("ready", 30);
      assertThat(ProcMaps.read(p.pid()))
          .as("the fixture maps the same libc as this JVM")
          .anyMatch(e -> e.isExecutable() && FileId.of(e).equals(FileId.of(systemLibc)));
      FixtureSymbols symbols = new FixtureSymbols(fixture, p.pid());
      EngineProbe engine = new EngineProbe(MARKER_SIZE);
      try (HeapEventSource source =
          new UprobesSourceProvider()
              .open(new SourceRequest(new TargetSpec.Pid(p.pid()), false, Map.of()))) {
        long sitesAtAttach = source.counters().get("probeSites");
        source.start(engine, engine);
        p.send("go");
        Matcher loaded = LOADED.matcher(p.await("loaded", 60));
        assertThat(loaded.matches()).as("fixture's load line").isTrue();
        assertThat(loaded.group(1)).as("a new link-map namespace").isNotEqualTo("0");
        long lateMalloc = Long.parseUnsignedLong(loaded.group(2), 16);
        long mainMalloc = Long.parseUnsignedLong(loaded.group(3), 16);
        assertThat(lateMalloc)
            .as("the second libc's malloc is another copy")
            .isNotEqualTo(mainMalloc);
        Map<String, FileId> fileIds = executableFileIds(p.pid());

        Supplier<String> state =
            () ->
                source.counters()
                    + " "
                    + (source instanceof PerThreadSource perThread
                        ? perThread.lastThreadError()
                        : ((BpfSource) source).lastThreadError());
        ModuleMapping late =
            await(
                () ->
                    engine.mappings.stream()
                        .filter(m -> m.path().equals(lateLibc))
                        .filter(m -> m.start() <= lateMalloc && lateMalloc < m.end())
                        .filter(m -> !(m.start() <= mainMalloc && mainMalloc < m.end()))
                        .findFirst(),
                "a module mapping of " + lateLibc + " holding its malloc",
                state);
        // Blocks allocated through the new libc before its probes are in place cannot be seen:
        // the fixture allocates only once the source has decided (a libc counts as probed late
        // once every thread's events on it are open and enabled, which installs the breakpoints;
        // a file probed already got them into the new mapping when it was made)
        await(
            () -> Optional.ofNullable(source.counters().get(decided) >= 1 ? Boolean.TRUE : null),
            decided + " >= 1",
            state);
        p.send("leak");
        p.await("done", 60);
        source.catchUp();
        assertThat(engine.awaitMarker(60)).as("marker allocation seen").isTrue();
        EngineSnapshot snapshot = engine.snapshotAll();
        Map<String, Long> counters = source.counters();
        System.out.println("late libc " + lateLibc + ": " + counters);
        Map<String, String> outstanding = symbols.outstandingByFunction(snapshot);
        // ld.so's and libc's own blocks (dlmopen's link map, dlerror state) are not the fixture's
        System.out.println("outside the fixture: " + outstanding.remove("?"));
        p.send("exit");
        return new Run(outstanding, snapshot, counters, sitesAtAttach, late, fileIds);
      }
    }
  }

  /** Path → device and inode of each file the process maps executable. */
  private static Map<String, FileId> executableFileIds(long pid) throws IOException {
    Map<String, FileId> ids = new TreeMap<>();
    for (ProcMapsEntry e : ProcMaps.read(pid)) {
      if (e.isExecutable() && FileId.of(e).known()) {
        ids.put(e.path(), FileId.of(e));
      }
    }
    return ids;
  }

  private static Optional<ProcMapsEntry> executableLibc(List<ProcMapsEntry> maps) {
    return maps.stream()
        .filter(e -> e.isExecutable() && LibcLocator.isLibcName(e.path()))
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
