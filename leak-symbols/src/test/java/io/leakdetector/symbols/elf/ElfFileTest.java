package io.leakdetector.symbols.elf;

import static io.leakdetector.symbols.testing.NativeTools.compile;
import static io.leakdetector.symbols.testing.NativeTools.requireTool;
import static io.leakdetector.symbols.testing.NativeTools.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfFileTest {
  static final Path LIBC = Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6");
  static final List<String> ALLOCATORS =
      List.of(
          "malloc",
          "free",
          "calloc",
          "realloc",
          "reallocarray",
          "posix_memalign",
          "aligned_alloc",
          "memalign",
          "valloc",
          "pvalloc");

  static final String FIXTURE =
      """
      #include <stdio.h>
      #include <stdlib.h>
      __attribute__((noinline)) int fixture_alpha(int x) { return x * 3 + 1; }
      __attribute__((noinline)) static int fixture_beta(int x) { return fixture_alpha(x) ^ 0x55; }
      int fixture_data = 42;
      int main(int argc, char **argv) {
        void *p = malloc(argc * 16);
        printf("%d %p\\n", fixture_beta(argc) + fixture_data, p);
        free(p);
        return 0;
      }
      """;

  @TempDir static Path dir;
  static Path pie;
  static Path nonPie;

  @BeforeAll
  static void compileFixtures() throws Exception {
    pie = compile(FIXTURE, dir, "fixture-pie", "-O1", "-g", "-fPIE", "-pie");
    nonPie = compile(FIXTURE, dir, "fixture-nopie", "-O1", "-g", "-fno-PIE", "-no-pie");
  }

  @Test
  void libcHasEveryAllocatorAndAliasesShareAnAddress() throws Exception {
    try (ElfFile libc = ElfFile.open(LIBC)) {
      assertThat(libc.isSharedObject()).isTrue();
      assertThat(libc.machine()).isEqualTo(ElfFile.EM_X86_64);
      Map<String, Long> nm = nmAddresses(LIBC, true);
      for (String name : ALLOCATORS) {
        ElfSymbol symbol = libc.findSymbol(name).orElseThrow(() -> new AssertionError(name));
        assertThat(symbol.isFunction()).as(name).isTrue();
        assertThat(symbol.defaultVersion()).as(name).isTrue();
        assertThat(symbol.version()).as(name).startsWith("GLIBC_");
        assertThat(symbol.value()).as(name).isEqualTo(nm.get(name));
        assertThat(symbol.size()).as(name).isPositive();
      }
      // Which allocators are aliases differs between glibc builds (aligned_alloc was memalign
      // until 2.38): the aliases are the ones nm shows at one address.
      for (String a : ALLOCATORS) {
        for (String b : ALLOCATORS) {
          boolean alias = nm.get(a).equals(nm.get(b));
          assertThat(
                  libc.findSymbol(a).orElseThrow().value()
                      == libc.findSymbol(b).orElseThrow().value())
              .as(a + " and " + b + " at one address")
              .isEqualTo(alias);
        }
      }
      assertThat(libc.findSymbol("malloc").orElseThrow().value())
          .isNotEqualTo(libc.findSymbol("free").orElseThrow().value());
    }
  }

  @Test
  void libcVersionsFollowTheVersionTables() throws Exception {
    requireTool("readelf");
    try (ElfFile libc = ElfFile.open(LIBC)) {
      Map<String, Long> readelf = readelfDynamicSymbols(LIBC);
      // Every defined dynamic symbol, with its version decoration, as readelf shows it.
      Map<String, Long> ours = new HashMap<>();
      for (ElfSymbol s : libc.symbols()) {
        ours.put(s.versionedName(), s.value());
      }
      assertThat(ours).containsAllEntriesOf(readelf);
      // The versions themselves differ between glibc builds and architectures: take them from
      // readelf. A name with a default version and an older one (memcpy on x86-64) finds the
      // default one plainly and each by its decoration; a name with only older versions finds a
      // symbol that is not the default.
      Map<String, Map<String, Long>> byName = versionsByName(readelf);
      String twoVersions =
          byName.entrySet().stream()
              .filter(e -> e.getValue().keySet().stream().anyMatch(v -> v.startsWith("@@")))
              .filter(e -> e.getValue().keySet().stream().anyMatch(v -> !v.startsWith("@@")))
              .map(Map.Entry::getKey)
              .sorted()
              .findFirst()
              .orElseThrow(() -> new AssertionError("no symbol with two versions in libc"));
      for (Map.Entry<String, Long> version : byName.get(twoVersions).entrySet()) {
        ElfSymbol symbol = libc.findSymbol(twoVersions + version.getKey()).orElseThrow();
        assertThat(symbol.value()).as(twoVersions + version.getKey()).isEqualTo(version.getValue());
        assertThat(symbol.defaultVersion()).isEqualTo(version.getKey().startsWith("@@"));
        if (symbol.defaultVersion()) {
          assertThat(libc.findSymbol(twoVersions)).contains(symbol);
        }
      }
      byName.entrySet().stream()
          .filter(e -> e.getValue().keySet().stream().noneMatch(v -> v.startsWith("@@")))
          .filter(e -> !readelf.containsKey(e.getKey()))
          .forEach(
              e ->
                  assertThat(libc.findSymbol(e.getKey()).orElseThrow().defaultVersion())
                      .as(e.getKey() + " has only older versions")
                      .isFalse());
      assertThat(libc.findSymbol("no_such_symbol_here")).isEmpty();
    }
  }

  @Test
  void libcBuildIdNeededAndSoname() throws Exception {
    requireTool("readelf");
    try (ElfFile libc = ElfFile.open(LIBC)) {
      assertThat(libc.buildId()).contains(readelfBuildId(LIBC));
      String dynamic = run("readelf", "-d", LIBC.toString());
      assertThat(libc.soname()).contains(readelfDynamicNames(dynamic, "SONAME").get(0));
      assertThat(libc.neededLibraries())
          .containsExactlyElementsOf(readelfDynamicNames(dynamic, "NEEDED"));
    }
  }

  @Test
  void firstInstructionBytesMatchObjdump() throws Exception {
    requireTool("objdump");
    try (ElfFile libc = ElfFile.open(LIBC)) {
      for (String name : List.of("malloc", "free", "realloc", "posix_memalign")) {
        long vaddr = libc.findSymbol(name).orElseThrow().value();
        long offset = libc.fileOffsetOf(vaddr).orElseThrow();
        assertThat(libc.vaddrOf(offset)).hasValue(vaddr);
        byte[] bytes = libc.readAt(offset, 8);
        assertThat(HexFormat.of().formatHex(bytes))
            .as(name)
            .isEqualTo(objdumpBytes(LIBC, vaddr, 8));
      }
    }
  }

  @Test
  void pieAndNonPieSymbolsMatchNm() throws Exception {
    requireTool("nm");
    for (Path binary : List.of(pie, nonPie)) {
      try (ElfFile elf = ElfFile.open(binary)) {
        Map<String, Long> nm = nmAddresses(binary, false);
        assertThat(nm).containsKeys("fixture_alpha", "fixture_beta", "main", "fixture_data");
        for (String name : List.of("fixture_alpha", "fixture_beta", "main", "fixture_data")) {
          ElfSymbol symbol = elf.findSymbol(name).orElseThrow(() -> new AssertionError(name));
          assertThat(symbol.value()).as(binary + " " + name).isEqualTo(nm.get(name));
        }
        assertThat(elf.findSymbol("fixture_alpha").orElseThrow().isFunction()).isTrue();
        assertThat(elf.findSymbol("fixture_beta").orElseThrow().bind())
            .isEqualTo(ElfSymbol.STB_LOCAL);
        assertThat(elf.findSymbol("fixture_data").orElseThrow().type())
            .isEqualTo(ElfSymbol.STT_OBJECT);
        // No undefined symbol (malloc here is an import) is listed.
        assertThat(elf.findSymbol("malloc")).isEmpty();
        assertThat(elf.hasSymbolTable()).isTrue();
        assertThat(elf.hasInterpreter()).isTrue();
        assertThat(elf.interpreter()).contains("/lib64/ld-linux-x86-64.so.2");
        assertThat(elf.neededLibraries()).contains("libc.so.6");
        assertThat(elf.buildId()).contains(readelfBuildId(binary));

        long main = elf.findSymbol("main").orElseThrow().value();
        long offset = elf.fileOffsetOf(main).orElseThrow();
        assertThat(HexFormat.of().formatHex(elf.readAt(offset, 6)))
            .isEqualTo(objdumpBytes(binary, main, 6));
      }
    }
    try (ElfFile p = ElfFile.open(pie);
        ElfFile n = ElfFile.open(nonPie)) {
      assertThat(p.type()).isEqualTo(ElfFile.ET_DYN);
      assertThat(p.isSharedObject()).isTrue();
      assertThat(p.imageBase()).isZero();
      assertThat(n.type()).isEqualTo(ElfFile.ET_EXEC);
      assertThat(n.isSharedObject()).isFalse();
      assertThat(n.imageBase()).isEqualTo(0x400000L);
      // A non-PIE executable is mapped at its link address: no load bias.
      long firstLoadOffset = n.loadSegments().get(0).offset();
      assertThat(n.loadBias(0x400000L, firstLoadOffset)).hasValue(0);
      assertThat(p.loadBias(0x5555_5555_4000L, 0)).hasValue(0x5555_5555_4000L);
    }
  }

  @Test
  void staticBinaryHasNoInterpreter() throws Exception {
    Path staticBinary;
    try {
      staticBinary =
          compile("int main(void) { return 0; }", dir, "fixture-static", "-O1", "-static");
    } catch (AssertionError e) {
      // libc.a is part of libc6-dev, which gcc needs anyway; a failure here is real.
      throw e;
    }
    try (ElfFile elf = ElfFile.open(staticBinary)) {
      assertThat(elf.hasInterpreter()).isFalse();
      assertThat(elf.interpreter()).isEmpty();
      assertThat(elf.neededLibraries()).isEmpty();
      assertThat(elf.findSymbol("malloc")).isPresent();
    }
  }

  @Test
  void separateDebugFileAndDebugLink() throws Exception {
    requireTool("objcopy");
    Path stripped = dir.resolve("stripped");
    Path debug = dir.resolve("stripped.debug");
    run("objcopy", "--only-keep-debug", pie.toString(), debug.toString());
    run("objcopy", "--strip-all", pie.toString(), stripped.toString());
    run("objcopy", "--add-gnu-debuglink=" + debug, stripped.toString());
    try (ElfFile s = ElfFile.open(stripped);
        ElfFile d = ElfFile.open(debug)) {
      assertThat(s.hasSymbolTable()).isFalse();
      assertThat(s.findSymbol("fixture_alpha")).isEmpty();
      assertThat(s.debugLink()).contains("stripped.debug");
      CRC32 crc = new CRC32();
      crc.update(Files.readAllBytes(debug));
      assertThat(s.debugLinkCrc()).hasValue(crc.getValue());
      assertThat(d.hasSymbolTable()).isTrue();
      assertThat(d.buildId()).isPresent().isEqualTo(s.buildId());
      assertThat(d.findSymbol("fixture_alpha").orElseThrow().value())
          .isEqualTo(nmAddresses(pie, false).get("fixture_alpha"));
    }
  }

  @Test
  void rejectsWhatItCannotRead() throws Exception {
    Path text = dir.resolve("text.txt");
    Files.writeString(text, "hello, this is not an executable at all, just text............");
    assertThatThrownBy(() -> ElfFile.open(text))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not an ELF file");

    byte[] header = Files.readAllBytes(pie);
    byte[] elf32 = header.clone();
    elf32[4] = 1;
    Path file32 = dir.resolve("elf32");
    Files.write(file32, elf32);
    assertThatThrownBy(() -> ElfFile.open(file32)).hasMessageContaining("32-bit ELF file");

    byte[] bigEndian = header.clone();
    bigEndian[5] = 2;
    Path fileBe = dir.resolve("elfbe");
    Files.write(fileBe, bigEndian);
    assertThatThrownBy(() -> ElfFile.open(fileBe)).hasMessageContaining("big-endian");

    Path truncated = dir.resolve("truncated");
    Files.write(truncated, java.util.Arrays.copyOf(header, 200));
    assertThatThrownBy(() -> ElfFile.open(truncated))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated or corrupt");

    Path empty = dir.resolve("empty");
    Files.write(empty, new byte[0]);
    assertThatThrownBy(() -> ElfFile.open(empty)).isInstanceOf(IOException.class);

    try (ElfFile elf = ElfFile.open(pie)) {
      assertThatThrownBy(() -> elf.readAt(elf.fileSize() - 2, 4)).isInstanceOf(IOException.class);
    }
  }

  // ---------------------------------------------------------------- reference tools

  /** Defined symbols by name from {@code nm} ({@code -D} for the dynamic table). */
  static Map<String, Long> nmAddresses(Path file, boolean dynamic) throws Exception {
    requireTool("nm");
    String out = dynamic ? run("nm", "-D", file.toString()) : run("nm", file.toString());
    Map<String, Long> map = new HashMap<>();
    for (String line : out.split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 3 && !parts[1].equalsIgnoreCase("U")) {
        String name = parts[2];
        int at = name.indexOf('@');
        if (at > 0) {
          if (!name.startsWith("@@", at)) {
            continue; // a hidden older version: keep the default one
          }
          name = name.substring(0, at);
        }
        map.put(name, Long.parseUnsignedLong(parts[0], 16));
      }
    }
    return map;
  }

  static Map<String, Long> readelfDynamicSymbols(Path file) throws Exception {
    String out = run("readelf", "-W", "--dyn-syms", file.toString());
    Pattern row =
        Pattern.compile(
            "^\\s*\\d+:\\s+([0-9a-f]+)\\s+\\d+\\s+(\\S+)\\s+\\S+\\s+\\S+\\s+(\\S+)\\s+(\\S+)$");
    Map<String, Long> map = new HashMap<>();
    for (String line : out.split("\n")) {
      Matcher m = row.matcher(line);
      if (m.matches()
          && !m.group(3).equals("UND")
          && !m.group(3).equals("ABS") // version definition markers (GLIBC_2.34)
          && !m.group(2).equals("SECTION")
          && !m.group(2).equals("FILE")) {
        map.put(m.group(4), Long.parseUnsignedLong(m.group(1), 16));
      }
    }
    assertThat(map).hasSizeGreaterThan(1000);
    return map;
  }

  /** {@code "@@VERSION"} or {@code "@VERSION"} to value, by plain name, of readelf's names. */
  static Map<String, Map<String, Long>> versionsByName(Map<String, Long> readelf) {
    Map<String, Map<String, Long>> byName = new HashMap<>();
    readelf.forEach(
        (decorated, value) -> {
          int at = decorated.indexOf('@');
          if (at > 0) {
            byName
                .computeIfAbsent(decorated.substring(0, at), k -> new HashMap<>())
                .put(decorated.substring(at), value);
          }
        });
    return byName;
  }

  /** The names of the {@code (TAG)} entries in {@code readelf -d} output, in order. */
  static List<String> readelfDynamicNames(String readelfDynamic, String tag) {
    Matcher m = Pattern.compile("\\(" + tag + "\\)\\s+.*?\\[(.+?)\\]").matcher(readelfDynamic);
    List<String> names = new ArrayList<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  static String readelfBuildId(Path file) throws Exception {
    Matcher m =
        Pattern.compile("Build ID: ([0-9a-f]+)").matcher(run("readelf", "-n", file.toString()));
    assertThat(m.find()).as("readelf shows a build id").isTrue();
    return m.group(1);
  }

  /** The bytes objdump disassembles from {@code vaddr} on, as hex, {@code count} of them. */
  static String objdumpBytes(Path file, long vaddr, int count) throws Exception {
    String out =
        run(
            "objdump",
            "-d",
            "--start-address=0x" + Long.toHexString(vaddr),
            "--stop-address=0x" + Long.toHexString(vaddr + count + 16),
            file.toString());
    StringBuilder hex = new StringBuilder();
    Pattern line = Pattern.compile("^\\s*[0-9a-f]+:\\t((?:[0-9a-f]{2} )+)");
    for (String l : out.split("\n")) {
      Matcher m = line.matcher(l);
      if (m.find()) {
        hex.append(m.group(1).replace(" ", ""));
      }
    }
    assertThat(hex.length()).isGreaterThanOrEqualTo(count * 2);
    return hex.substring(0, count * 2);
  }
}
