package io.leakdetector.symbols.linux;

import static io.leakdetector.symbols.testing.NativeTools.compileFixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.TargetProcess;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.testing.DebugFixtures;
import io.leakdetector.symbols.testing.FixtureProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stripped files named from a build-id debug file in a target's root and from MiniDebugInfo. */
class SeparateDebugInfoTest {
  @TempDir static Path dir;
  static Path fixture;
  static Map<Long, Set<String>> nm;

  @BeforeAll
  static void build() throws Exception {
    fixture = compileFixture("resolver_fixture.c", dir, "separate_fixture", "-O1", "-g");
    nm = DebugFixtures.nmFunctions(fixture);
    assertThat(nm.values()).anyMatch(names -> names.contains("fixture_second"));
  }

  static ModuleSymbols read(Path file, Path root) throws Exception {
    try (ElfFile elf = ElfFile.open(file)) {
      return ModuleSymbols.read(
          file,
          elf,
          "/opt/app/" + file.getFileName(),
          new DebugFileLocator(root),
          DebugFileDownloads.off());
    }
  }

  /**
   * Every function {@code nm} shows in the unstripped fixture, named by the table at its address.
   */
  static void assertNamesAsNm(SymbolTable table) {
    assertThat(table.isProvisional()).isFalse();
    nm.forEach(
        (address, names) -> {
          int index = table.indexOf(address);
          assertThat(index).as("a symbol at 0x%x", address).isNotNegative();
          assertThat(table.start(index)).isEqualTo(address);
          assertThat(names).as("nm's names at 0x%x", address).contains(table.name(index));
        });
  }

  @Test
  void aBuildIdDebugFileInTheTargetsRootNamesTheStrippedFileAndHoldsItsDwarf() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path stripped = DebugFixtures.stripped(fixture, dir.resolve("by_id_fixture"));
    String id;
    try (ElfFile elf = ElfFile.open(stripped)) {
      id = elf.buildId().orElseThrow();
    }
    Path byId =
        root.resolve(
            "usr/lib/debug/.build-id/" + id.substring(0, 2) + "/" + id.substring(2) + ".debug");
    Files.createDirectories(byId.getParent());
    DebugFixtures.debugFile(fixture, byId);

    ModuleSymbols symbols = read(stripped, root);
    assertNamesAsNm(symbols.table());
    assertThat(symbols.awaitsDebugFile()).isFalse();
    assertThat(symbols.debugFile()).contains(byId);
    Optional<ElfFile> dwarf = symbols.debugInfoFile();
    assertThat(dwarf).isPresent();
    try (ElfFile d = dwarf.get()) {
      assertThat(d.path()).isEqualTo(byId);
      assertThat(d.section(".debug_info")).isPresent();
      assertThat(d.section(".debug_line")).isPresent();
    }
  }

  @Test
  void withoutADebugFileTheModulesOwnFileIsTheDwarfFile() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty-root"));
    ModuleSymbols unstripped = read(fixture, empty);
    assertNamesAsNm(unstripped.table());
    assertThat(unstripped.debugFile()).isEmpty();
    try (ElfFile own = unstripped.debugInfoFile().orElseThrow()) {
      assertThat(own.path()).isEqualTo(fixture);
      assertThat(own.section(".debug_info")).isPresent();
    }

    Path stripped = DebugFixtures.stripped(fixture, dir.resolve("lone_fixture"));
    ModuleSymbols lone = read(stripped, empty);
    assertThat(lone.table().isProvisional()).isFalse();
    int second = lone.table().indexOf(nmAddress("fixture_second"));
    assertThat(second < 0 ? null : lone.table().name(second)).isNotEqualTo("fixture_second");
    try (ElfFile own = lone.debugInfoFile().orElseThrow()) {
      assertThat(own.path()).isEqualTo(stripped);
    }
  }

  @Test
  void miniDebugInfoNamesTheStrippedFileAsNmDoesTheUnstrippedOne() throws Exception {
    Path mini = DebugFixtures.withMiniDebugInfo(fixture, dir.resolve("mini_fixture"), dir);
    ModuleSymbols symbols = read(mini, Files.createDirectories(dir.resolve("mini-root")));
    assertNamesAsNm(symbols.table());
    assertThat(symbols.debugFile()).isEmpty();
  }

  @Test
  void aRunningMiniDebugInfoBinaryIsNamed() throws Exception {
    Path mini = DebugFixtures.withMiniDebugInfo(fixture, dir.resolve("running_mini"), dir);
    try (FixtureProcess p = FixtureProcess.start(mini);
        SymbolResolver resolver =
            new ElfSymbolResolverProvider(Map.of(), System.getLogger("test"))
                .open(
                    new TargetProcess(p.pid(), "running_mini"),
                    new SymbolOptions(false, true, Optional.empty()))) {
      long[] a = p.readAddresses();
      assertThat(resolver.resolve(a[0] + 3).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo("running_mini!fixture_first+0x3");
      assertThat(resolver.resolve(a[1] + 1).text().replaceFirst(" \\([^()]*\\)$", ""))
          .isEqualTo("running_mini!fixture_second+0x1");
    }
  }

  private static long nmAddress(String name) {
    return nm.entrySet().stream()
        .filter(e -> e.getValue().contains(name))
        .findFirst()
        .orElseThrow()
        .getKey();
  }
}
