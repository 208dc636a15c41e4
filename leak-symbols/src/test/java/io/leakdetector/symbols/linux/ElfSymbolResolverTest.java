package io.leakdetector.symbols.linux;

import static io.leakdetector.symbols.testing.NativeTools.compileFixture;
import static io.leakdetector.symbols.testing.NativeTools.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import io.leakdetector.symbols.testing.FixtureProcess;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfSymbolResolverTest {
  static final String[] FLAGS = {"-O1", "-g", "-fno-omit-frame-pointer"};

  @TempDir static Path dir;
  static Path fixture;
  static Path other;
  static Path plugin;

  @BeforeAll
  static void compileFixtures() throws Exception {
    fixture = compileFixture("resolver_fixture.c", dir, "resolver_fixture", FLAGS);
    plugin = compileFixture("plugin.c", dir, "libplugin.so", "-O1", "-g", "-shared", "-fPIC");
    other = compileFixture("plugin.c", dir, "other.so", "-O1", "-shared", "-fPIC");
  }

  /** The resolver ServiceLoader's provider opens, without network lookups. */
  static SymbolResolver open(long pid, boolean kernel) throws LeakDetectorException {
    return new ElfSymbolResolverProvider()
        .open(
            new TargetProcess(pid, "fixture"), new SymbolOptions(kernel, false, Optional.empty()));
  }

  @Test
  void providerIsRegisteredAndAvailableOnLinux() throws Exception {
    // Both registrations the ServiceLoader reads: module-info (module path) and META-INF/services
    // (class path).
    assertThat(ElfSymbolResolverProvider.class.getModule().getDescriptor().provides())
        .anySatisfy(
            p -> {
              assertThat(p.service()).isEqualTo(SymbolResolverProvider.class.getName());
              assertThat(p.providers()).contains(ElfSymbolResolverProvider.class.getName());
            });
    try (var in =
        ElfSymbolResolverProvider.class
            .getModule()
            .getResourceAsStream("META-INF/services/" + SymbolResolverProvider.class.getName())) {
      // The class path sees the same providers as the module path, ELF first.
      List<String> listed =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .lines()
              .map(String::trim)
              .filter(line -> !line.isEmpty() && !line.startsWith("#"))
              .toList();
      List<String> declared =
          ElfSymbolResolverProvider.class.getModule().getDescriptor().provides().stream()
              .filter(p -> p.service().equals(SymbolResolverProvider.class.getName()))
              .flatMap(p -> p.providers().stream())
              .toList();
      assertThat(listed).containsExactlyElementsOf(declared);
      assertThat(listed.get(0)).isEqualTo(ElfSymbolResolverProvider.class.getName());
    }
    SymbolResolverProvider provider = new ElfSymbolResolverProvider();
    assertThat(provider.name()).isEqualTo("elf");
    assertThat(provider.availability().available()).isTrue();
  }

  @Test
  void resolvesWhileAliveAndAfterExit() throws Exception {
    SymbolResolver early;
    SymbolResolver lazy;
    long[] a;
    try (FixtureProcess p = FixtureProcess.start(fixture)) {
      a = p.readAddresses();
      early = open(p.pid(), false);
      lazy = open(p.pid(), false);
      assertFixtureFrames(early, a);
      assertThat(early.resolve(a[3] + 1).module()).as("a heap address").isNull();
      assertThat(early.resolve(a[3] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .startsWith("[unknown]!0x");
    }
    // Both were captured while the process lived: after its exit they still name functions,
    // from the cache (early) or from files read only now (lazy).
    assertFixtureFrames(early, a);
    assertFixtureFrames(lazy, a);
    assertThat(lazy.resolve(a[1] + 2).text().replaceFirst(" \\([^()]*\\)$", ""))
        .isEqualTo("resolver_fixture!fixture_second+0x2");
    early.close();
    lazy.close();
  }

  private static void assertFixtureFrames(SymbolResolver resolver, long[] a) {
    Frame first = resolver.resolve(a[0] + 1);
    assertThat(first.module()).isEqualTo("resolver_fixture");
    assertThat(first.symbol()).isEqualTo("fixture_first");
    assertThat(first.offset()).isOne();
    assertThat(first.kernel()).isFalse();
    assertThat(resolver.resolve(a[0] + 3).text().replaceFirst(" \\([^()]*\\)$", ""))
        .isEqualTo("resolver_fixture!fixture_first+0x3");
    assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
        .isEqualTo("resolver_fixture!fixture_second+0x1");
    assertThat(resolver.resolve(a[2] + 1).symbol()).isEqualTo("malloc");
    Frame inMalloc = resolver.resolve(a[2] + 0x10);
    assertThat(inMalloc.symbol()).isEqualTo("malloc");
    assertThat(inMalloc.offset()).isEqualTo(0x10);
  }

  @Test
  void moduleMappedLaterIsResolvedAfterExit() throws Exception {
    SymbolResolver resolver;
    long function;
    try (FixtureProcess p = FixtureProcess.start(fixture)) {
      p.readAddresses();
      resolver = open(p.pid(), false);
      p.writeLine(plugin.toString());
      function = p.readAddresses()[0];
      assertThat(function).isNotZero();
      // What the source reports from PERF_RECORD_MMAP2, taken here from the map itself.
      for (ProcMapsEntry e : ProcMaps.read(p.pid())) {
        if (e.path().equals(plugin.toString())) {
          resolver.onModuleMapped(new ModuleMapping(e.start(), e.end(), e.fileOffset(), e.path()));
        }
      }
    }
    assertThat(resolver.resolve(function + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
        .isEqualTo("libplugin.so!plugin_function+0x1");
    resolver.close();
  }

  @Test
  void refreshFindsAModuleLoadedAfterCapture() throws Exception {
    try (FixtureProcess p = FixtureProcess.start(fixture)) {
      p.readAddresses();
      SymbolResolver resolver = open(p.pid(), false);
      Path copy = dir.resolve("libplugin-refresh.so");
      Files.copy(plugin, copy, StandardCopyOption.REPLACE_EXISTING);
      p.writeLine(copy.toString());
      long function = p.readAddresses()[0];
      resolver.refresh();
      assertThat(resolver.resolve(function + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo("libplugin-refresh.so!plugin_function+0x1");
      resolver.close();
    }
  }

  @Test
  void refreshAfterExecForgetsTheOldProgram() throws Exception {
    try (FixtureProcess p = FixtureProcess.start("/bin/sh", "-c", "read line; exec " + fixture)) {
      ElfSymbolResolver resolver = (ElfSymbolResolver) open(p.pid(), false);
      assertThat(resolver.ranges())
          .anySatisfy(r -> assertThat(r.module().path()).contains("/bin/"));
      p.writeLine("go");
      long[] a = p.readAddresses();
      resolver.refresh();
      assertThat(resolver.resolve(a[0] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo("resolver_fixture!fixture_first+0x1");
      assertThat(resolver.ranges())
          .noneSatisfy(
              r -> assertThat(r.module() == null ? "" : r.module().path()).contains("/bin/"));
      resolver.close();
    }
  }

  @Test
  void replacedFileIsNamedSoAndNeverMisSymbolized() throws Exception {
    Path copy = dir.resolve("replaced_fixture");
    Files.copy(fixture, copy, StandardCopyOption.REPLACE_EXISTING);
    SymbolResolver alive;
    SymbolResolver afterExit;
    long[] a;
    try (FixtureProcess p = FixtureProcess.start(copy)) {
      a = p.readAddresses();
      alive = open(p.pid(), false);
      afterExit = open(p.pid(), false);
      // A new file at the same path (new inode), as a package upgrade does it.
      Path replacement = dir.resolve("replacement.tmp");
      Files.copy(other, replacement, StandardCopyOption.REPLACE_EXISTING);
      Files.move(replacement, copy, StandardCopyOption.REPLACE_EXISTING);
      // While the process lives the mapped file is still read through /proc/PID/map_files.
      assertThat(alive.resolve(a[0] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo("replaced_fixture (replaced)!fixture_first+0x1");
    }
    Frame frame = afterExit.resolve(a[0] + 1);
    assertThat(frame.module()).isEqualTo("replaced_fixture (replaced)");
    assertThat(frame.symbol()).isNull();
    assertThat(frame.text().replaceFirst(" \\([^()]*\\)$", ""))
        .startsWith("replaced_fixture (replaced)!+0x");
    assertThat(alive.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
        .isEqualTo("replaced_fixture (replaced)!fixture_second+0x1");
    alive.close();
    afterExit.close();
  }

  @Test
  void deletedFileIsNamedSo() throws Exception {
    Path copy = dir.resolve("deleted_fixture");
    Path copy2 = dir.resolve("deleted_before_capture");
    Files.copy(fixture, copy, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(fixture, copy2, StandardCopyOption.REPLACE_EXISTING);
    SymbolResolver capturedBefore;
    SymbolResolver capturedAfter;
    long[] a;
    long[] b;
    try (FixtureProcess p = FixtureProcess.start(copy);
        FixtureProcess q = FixtureProcess.start(copy2)) {
      a = p.readAddresses();
      b = q.readAddresses();
      capturedBefore = open(p.pid(), false);
      Files.delete(copy);
      Files.delete(copy2);
      // Captured after the deletion: the map says "(deleted)"; map_files still reaches it.
      capturedAfter = open(q.pid(), false);
    }
    Frame frame = capturedBefore.resolve(a[0] + 1);
    assertThat(frame.module()).isEqualTo("deleted_fixture (deleted)");
    assertThat(frame.symbol()).isNull();
    assertThat(capturedAfter.resolve(b[0] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
        .isEqualTo("deleted_before_capture (deleted)!fixture_first+0x1");
    // libc was never touched: still named.
    assertThat(capturedBefore.resolve(a[2] + 1).symbol()).isEqualTo("malloc");
    capturedBefore.close();
    capturedAfter.close();
  }

  @Test
  void strippedBinaryUsesItsSeparateDebugFile() throws Exception {
    Path stripped = dir.resolve("stripped_fixture");
    Path debugDir = dir.resolve(".debug");
    Files.createDirectories(debugDir);
    Path debug = debugDir.resolve("stripped_fixture.debug");
    run("objcopy", "--only-keep-debug", fixture.toString(), debug.toString());
    run("objcopy", "--strip-all", fixture.toString(), stripped.toString());
    run("objcopy", "--add-gnu-debuglink=" + debug, stripped.toString());
    try (FixtureProcess p = FixtureProcess.start(stripped)) {
      long[] a = p.readAddresses();
      try (SymbolResolver resolver = open(p.pid(), false)) {
        Frame named = resolver.resolve(a[1] + 1);
        assertThat(named.text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo("stripped_fixture!fixture_second+0x1");
        // the line from the debug file's DWARF, as addr2line reads it from the unstripped file
        String nm =
            run("nm", fixture.toString())
                .lines()
                .filter(l -> l.endsWith(" fixture_second"))
                .findFirst()
                .orElseThrow()
                .split(" ")[0];
        String truth = run("addr2line", "-e", fixture.toString(), "0x" + nm).strip();
        assertThat(named.file() + ":" + named.line())
            .isEqualTo(truth.replaceFirst(" \\(discriminator \\d+\\)$", ""));
      }
    }
    // Without the debug file there is nothing to name it by: module and offset only.
    Files.delete(debug);
    try (FixtureProcess p = FixtureProcess.start(stripped)) {
      long[] a = p.readAddresses();
      try (SymbolResolver resolver = open(p.pid(), false)) {
        Frame frame = resolver.resolve(a[1] + 1);
        assertThat(frame.symbol()).isNull();
        assertThat(frame.module()).isEqualTo("stripped_fixture");
        long nmAddress =
            Long.parseUnsignedLong(
                run("nm", fixture.toString())
                    .lines()
                    .filter(l -> l.endsWith(" fixture_second"))
                    .findFirst()
                    .orElseThrow()
                    .split(" ")[0],
                16);
        assertThat(frame.offset()).as("offset from the image base").isEqualTo(nmAddress + 1);
      }
    }
  }

  @Test
  void kernelFramesAreResolvedOnlyWhenAsked() throws Exception {
    // A global text symbol alone at its address, at least 16 bytes before the next symbol.
    java.util.TreeMap<Long, List<String>> text = new java.util.TreeMap<>(Long::compareUnsigned);
    try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/kallsyms"))) {
      String line;
      while ((line = r.readLine()) != null) {
        String[] f = line.split("\\s+");
        if (f.length == 3 && "TtWw".indexOf(f[1].charAt(0)) >= 0) {
          text.computeIfAbsent(Long.parseUnsignedLong(f[0], 16), k -> new ArrayList<>())
              .add(f[1] + " " + f[2]);
        }
      }
    }
    long address = 0;
    String name = null;
    for (var e : text.entrySet()) {
      Long next = text.higherKey(e.getKey());
      if (e.getKey() != 0
          && e.getValue().size() == 1
          && e.getValue().get(0).startsWith("T ")
          && next != null
          && next - e.getKey() > 16) {
        address = e.getKey();
        name = e.getValue().get(0).substring(2);
        break;
      }
    }
    assertThat(address).as("kallsyms shows addresses to root").isNotZero();
    try (FixtureProcess p = FixtureProcess.start(fixture)) {
      p.readAddresses();
      try (SymbolResolver without = open(p.pid(), false);
          SymbolResolver with = open(p.pid(), true)) {
        Frame hidden = without.resolve(address + 4);
        assertThat(hidden.kernel()).isTrue();
        assertThat(hidden.module()).isNull();
        Frame shown = with.resolve(address + 4);
        assertThat(shown.kernel()).isTrue();
        assertThat(shown.text().replaceFirst(" \\([^()]*\\)$", ""))
            .isEqualTo("[kernel.kallsyms]!" + name + "+0x4");
      }
    }
  }

  @Test
  void badPidsGiveOneSentence() {
    assertThatThrownBy(() -> open(Integer.MAX_VALUE - 7, false))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage("There is no process with id " + (Integer.MAX_VALUE - 7) + ".")
        .extracting(e -> ((LeakDetectorException) e).kind())
        .isEqualTo(LeakDetectorException.Kind.NO_SUCH_PROCESS);
  }
}
