package io.leakdetector.symbols.dwarf;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfFile;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DwarfInfo#lookup} against GNU addr2line (and, where binutils is known wrong, elfutils) at
 * every instruction of the fixtures' {@code .text}: C and C++ at {@code -O2} with inlining, DWARF 4
 * and 5, plain and with compressed debug sections (gcc {@code -gz=zlib}, {@code objcopy
 * --compress-debug-sections=zlib} and its GNU {@code .zdebug} form).
 */
class DwarfInfoParityTest {
  @TempDir static Path project;

  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of(Fixtures.CPP, "-gdwarf-4", ""),
        Arguments.of(Fixtures.CPP, "-gdwarf-5", ""),
        Arguments.of(Fixtures.C, "-gdwarf-4", ""),
        Arguments.of(Fixtures.C, "-gdwarf-5", ""),
        Arguments.of(Fixtures.CPP, "-gdwarf-5", "-gz=zlib"),
        Arguments.of(Fixtures.C, "-gdwarf-4", "-gz=zlib"),
        Arguments.of(Fixtures.CPP, "-gdwarf-4", "objcopy=zlib"),
        Arguments.of(Fixtures.C, "-gdwarf-5", "objcopy=zlib"),
        Arguments.of(Fixtures.CPP, "-gdwarf-5", "objcopy=zlib-gnu"));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("variants")
  void everyInstructionResolvesAsAddr2LineDoes(String source, String dwarf, String compression)
      throws Exception {
    String name = (source + dwarf + compression).replaceAll("[^A-Za-z0-9]+", "-");
    Path binary;
    Path oracle;
    if (compression.startsWith("objcopy=")) {
      // The tools are asked about the uncompressed twin: addr2line 2.40 no longer reads .zdebug.
      Path plain = Fixtures.build(project, source, name + "-plain", dwarf);
      oracle = plain;
      binary =
          Fixtures.objcopy(
              plain,
              project.resolve(name),
              "--compress-debug-sections=" + compression.substring("objcopy=".length()));
    } else if (compression.isEmpty()) {
      binary = Fixtures.build(project, source, name, dwarf);
      oracle = binary;
    } else {
      binary = Fixtures.build(project, source, name, dwarf, compression);
      oracle = binary;
    }
    if (!compression.isEmpty()) {
      try (ElfFile elf = ElfFile.open(binary)) {
        boolean compressed =
            elf.sections().stream()
                .anyMatch(
                    s ->
                        s.name().startsWith(".zdebug")
                            || (s.name().startsWith(".debug") && (s.flags() & 0x800) != 0));
        assertThat(compressed).as("the variant really has compressed sections").isTrue();
      }
    }

    Parity parity = Parity.check(binary, oracle, Tools.textInstructions(binary));

    assertThat(parity.failures).as(parity.toString()).isEmpty();
    assertThat(parity.decidedByElfutils.size())
        .as("binutils' answer is the rule, elfutils' the exception: " + parity)
        .isLessThan(parity.withFrames / 10);
    assertThat(parity.withFrames).as(parity.toString()).isGreaterThan(100);
    assertThat(parity.withInlinedFrames).as(parity.toString()).isGreaterThan(20);
    assertThat(parity.deepest).as(parity.toString()).isGreaterThanOrEqualTo(3);
    String header = source.endsWith(".cpp") ? "include/shapes.h" : "include/helpers.h";
    assertThat(parity.files)
        .as("a header-defined inline function's file, joined with its directory")
        .contains(project.resolve(header).toString(), project.resolve("src/" + source).toString());
    if (source.endsWith(".cpp")) {
      assertThat(parity.functions)
          .as("methods, templates and lambdas are named")
          .contains("app::Counter::bump(int)", "geo::Box::area() const", "leaf", "middle")
          .anyMatch(f -> f.startsWith("long geo::twice<long>"))
          .anyMatch(f -> f.contains("lambda"));
    } else {
      assertThat(parity.functions).contains("scaled", "clamp_sum", "grab", "main");
    }
  }
}
