package io.leakdetector.symbols.demangle;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** C++ names: ours equal c++filt's for every symbol of real binaries. */
class CppDemanglingTest {
  static final Path LIBSTDCXX = Path.of("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");

  @TempDir Path dir;

  @Test
  void everyDynamicSymbolOfLibstdcxxReadsAsCxxfiltReadsIt() throws IOException {
    Prerequisite.require(Files.exists(LIBSTDCXX), LIBSTDCXX + " is missing (libstdc++6)");
    List<String> symbols = ReferenceDemanglers.symbols(LIBSTDCXX, true, dir);
    // nm -D writes the GNU version (operator new is "_Znwm@@GLIBCXX_3.4"); it is no part of
    // the name, so c++filt is given the name without it.
    assertThat(symbols).anyMatch(s -> s.startsWith("_Znwm@"));
    assertReadAsCxxfilt(symbols, 3000);
  }

  @Test
  void everySymbolOfACxxProgramReadsAsCxxfiltReadsIt() throws IOException {
    for (String optimisation : List.of("-O0", "-O2")) {
      Path program =
          ReferenceDemanglers.compileCpp(
              "cpp_names.cc", dir, "cpp_names" + optimisation, optimisation, "-g");
      List<String> symbols = ReferenceDemanglers.symbols(program, false, dir);
      List<String> expected = assertReadAsCxxfilt(symbols, 20);
      // What the fixture is for, as c++filt names it.
      String all = String.join("\n", expected);
      assertThat(all)
          .contains("operator new[](unsigned long)")
          .contains("leak::leak_string[abi:cxx11](char const*)")
          .contains("std::vector<long, std::allocator<long> >")
          .contains("(anonymous namespace)::hidden_counter(int)");
      if (optimisation.equals("-O0")) {
        assertThat(all)
            .contains("{lambda(double&)#1}")
            .contains("leak::detail::Buffer<double, 4>::~Buffer()")
            .contains("leak::Node::operator+=(leak::Node*)");
      } else {
        assertThat(all).contains("[clone .cold]").contains("_GLOBAL__sub_I_");
      }
    }
  }

  @Test
  void namesBeyondTheDemanglersLengthLimitStayAsTheyAreLikeCxxfiltLeavesThem() throws IOException {
    List<String> names = new ArrayList<>();
    for (int length : List.of(1, 100, ItaniumDemangler.MAX_LENGTH - 7, 1100, 50_000)) {
      names.add("_Z" + length + "x".repeat(length) + "v"); // x(), x...x() and longer
    }
    names.add("._Z3foov"); // c++filt keeps a leading dot and drops a leading dollar
    names.add("$_Z3foov");
    names.add("_GLOBAL__I_main");
    names.add("_GLOBAL__D__Z3foov");
    names.add("_GLOBAL__sub_I_main.cpp");
    names.add("_Z");
    names.add("_Z3foo");
    names.add("i"); // a type encoding: c++filt -i (without -t) leaves it, __cxa_demangle would not
    names.add("main");
    names.add("");
    List<String> expected = ReferenceDemanglers.cxxfilt(names, dir);
    assertThat(expected.get(2)).as("the longest name c++filt demangles").endsWith("()");
    assertThat(expected.get(3)).as("c++filt gives up on a longer one").isEqualTo(names.get(3));
    for (int i = 0; i < names.size(); i++) {
      assertThat(Demangler.demangle(names.get(i))).as(names.get(i)).isEqualTo(expected.get(i));
    }
  }

  @Test
  void withoutLibstdcxxCxxNamesStayMangledAndTheProblemIsSaid() throws IOException {
    Demangler demangler =
        new Demangler(ItaniumDemangler.load("libleakdetector-no-such-library.so.6"));
    List<String> names =
        List.of("_Znwm", "_ZNSt6vectorIiSaIiEE9push_backERKi", "_RNvNtCs1234_3std2io5stdin");
    List<String> expected = ReferenceDemanglers.cxxfilt(names, dir);
    assertThat(demangler.readable("_Znwm@@GLIBCXX_3.4")).isEqualTo("_Znwm");
    assertThat(demangler.readable(names.get(1))).isEqualTo(names.get(1));
    assertThat(demangler.readable(names.get(2)))
        .as("Rust names need no libstdc++")
        .isEqualTo(expected.get(2))
        .isNotEqualTo(names.get(2));

    ItaniumDemangler missing = ItaniumDemangler.load("libleakdetector-no-such-library.so.6");
    assertThat(missing.available()).isFalse();
    assertThat(missing.problem())
        .hasValueSatisfying(
            p ->
                assertThat(p)
                    .startsWith("C++ names stay mangled: ")
                    .contains("libleakdetector-no-such-library.so.6")
                    .contains("cannot open shared object file")
                    .doesNotContain("\n")
                    .endsWith(")."));
    assertThat(Demangler.cppAvailable()).as("libstdc++ is on this machine").isTrue();
    assertThat(Demangler.cppProblem()).isEmpty();
  }

  @Test
  void threadsDemangleAtOnceWithTheSameResults() throws Exception {
    Prerequisite.require(Files.exists(LIBSTDCXX), LIBSTDCXX + " is missing (libstdc++6)");
    List<String> symbols = ReferenceDemanglers.symbols(LIBSTDCXX, true, dir);
    List<String> once = symbols.stream().map(Demangler::demangle).toList();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<String>>> runs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        runs.add(pool.submit(() -> symbols.stream().map(Demangler::demangle).toList()));
      }
      for (Future<List<String>> run : runs) {
        assertThat(run.get()).isEqualTo(once);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Asserts that each symbol (with any version) demangles as c++filt demangles it without the
   * version, and that at least {@code minimumCxx} of them were C++ names c++filt changed; returns
   * c++filt's readings.
   */
  private List<String> assertReadAsCxxfilt(List<String> symbols, int minimumCxx)
      throws IOException {
    List<String> unversioned = symbols.stream().map(Demangler::withoutVersion).toList();
    List<String> expected = ReferenceDemanglers.cxxfilt(unversioned, dir);
    int changed = 0;
    for (int i = 0; i < symbols.size(); i++) {
      assertThat(Demangler.demangle(symbols.get(i))).as(symbols.get(i)).isEqualTo(expected.get(i));
      if (unversioned.get(i).startsWith("_Z") && !expected.get(i).equals(unversioned.get(i))) {
        changed++;
      }
    }
    assertThat(changed).as("C++ names demangled").isGreaterThanOrEqualTo(minimumCxx);
    return expected;
  }
}
