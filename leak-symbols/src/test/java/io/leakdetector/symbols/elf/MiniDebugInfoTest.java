package io.leakdetector.symbols.elf;

import static io.leakdetector.symbols.testing.NativeTools.compile;
import static io.leakdetector.symbols.testing.NativeTools.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.symbols.testing.DebugFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MiniDebugInfoTest {
  static final String FIXTURE =
      """
      #include <stdio.h>
      __attribute__((noinline)) int mini_alpha(int x) { return x * 3 + 1; }
      __attribute__((noinline)) static int mini_beta(int x) { return mini_alpha(x) ^ 0x55; }
      int main(int argc, char **argv) {
        printf("%d\\n", mini_beta(argc));
        return 0;
      }
      """;

  @TempDir static Path dir;
  static Path binary;
  static Path withMini;

  @BeforeAll
  static void build() throws Exception {
    binary = compile(FIXTURE, dir, "mini", "-O2", "-g");
    withMini = DebugFixtures.withMiniDebugInfo(binary, dir.resolve("mini.stripped"), dir);
  }

  @Test
  void anImageInMemoryReadsLikeTheFile() throws Exception {
    try (ElfFile file = ElfFile.open(binary);
        ElfFile image = ElfFile.open(Path.of("in memory"), Files.readAllBytes(binary))) {
      assertThat(image.path()).isEqualTo(Path.of("in memory"));
      assertThat(image.fileSize()).isEqualTo(Files.size(binary));
      assertThat(image.sections()).isEqualTo(file.sections());
      assertThat(image.segments()).isEqualTo(file.segments());
      assertThat(image.symbols()).isEqualTo(file.symbols());
      assertThat(image.buildId()).isEqualTo(file.buildId()).isPresent();
      long entry = file.fileOffsetOf(file.entry()).orElseThrow();
      assertThat(image.readAt(entry, 16)).isEqualTo(file.readAt(entry, 16));
    }
  }

  @Test
  void aTruncatedImageIsRefusedWithOneSentence() throws Exception {
    byte[] bytes = Files.readAllBytes(binary);
    byte[] headerOnly = Arrays.copyOf(bytes, 64);
    assertThatThrownBy(() -> ElfFile.open(Path.of("cut"), headerOnly).symbols())
        .hasMessageStartingWith("cut is truncated or corrupt: ");
  }

  @Test
  void strippedFileNamesItsFunctionsFromGnuDebugdataAsNmDoesTheUnstrippedOne() throws Exception {
    try (ElfFile stripped = ElfFile.open(withMini)) {
      assertThat(stripped.hasSymbolTable()).isFalse();
      assertThat(stripped.section(".debug_info")).isEmpty();
      Map<Long, Set<String>> named = functionsByAddress(stripped.symbols());
      // The stripped file alone does not know its own functions.
      assertThat(named.values()).noneMatch(names -> names.contains("mini_beta"));

      Optional<ElfFile> mini = MiniDebugInfo.open(stripped);
      assertThat(mini).isPresent();
      try (ElfFile m = mini.get()) {
        assertThat(m.path().toString()).isEqualTo(withMini + "(.gnu_debugdata)");
        assertThat(m.hasSymbolTable()).isTrue();
        functionsByAddress(m.symbols())
            .forEach((a, n) -> named.merge(a, n, MiniDebugInfoTest::union));
      }
      Map<Long, Set<String>> nm = DebugFixtures.nmFunctions(binary);
      assertThat(nm.values()).anyMatch(names -> names.contains("mini_beta"));
      nm.forEach(
          (address, names) ->
              assertThat(named.getOrDefault(address, Set.of()))
                  .as("functions at 0x%x", address)
                  .containsAll(names));
    }
  }

  @Test
  void aFileWithoutTheSectionHasNone() throws Exception {
    try (ElfFile elf = ElfFile.open(binary)) {
      assertThat(MiniDebugInfo.open(elf)).isEmpty();
    }
  }

  @Test
  void aSectionThatIsNotXzIsOneSentence() throws Exception {
    Path garbage = Files.write(dir.resolve("garbage"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    Path bad = dir.resolve("bad-debugdata");
    run(
        "objcopy",
        "--add-section",
        ".gnu_debugdata=" + garbage,
        DebugFixtures.stripped(binary, dir.resolve("bad-base")).toString(),
        bad.toString());
    try (ElfFile elf = ElfFile.open(bad)) {
      assertThatThrownBy(() -> MiniDebugInfo.open(elf))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(bad + "(.gnu_debugdata) is not a valid xz stream: ")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  private static Map<Long, Set<String>> functionsByAddress(Iterable<ElfSymbol> symbols) {
    Map<Long, Set<String>> byAddress = new HashMap<>();
    for (ElfSymbol s : symbols) {
      if (s.isFunction()) {
        byAddress.computeIfAbsent(s.value(), k -> new HashSet<>()).add(s.name());
      }
    }
    return byAddress;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
