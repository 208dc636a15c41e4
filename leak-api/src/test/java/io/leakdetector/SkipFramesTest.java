package io.leakdetector;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default set against the names g++ and libstdc++ really give (a program compiled now, its
 * symbols listed by binutils' {@code nm}, demangled by {@code nm -C}), and the matching rules.
 */
class SkipFramesTest {
  private static final String PROGRAM =
      """
      #include <cstdlib>
      #include <deque>
      #include <list>
      #include <map>
      #include <new>
      #include <string>
      #include <unordered_map>
      #include <vector>

      extern "C" void *xmalloc(std::size_t n) {
        void *p = std::malloc(n);
        if (!p) std::abort();
        return p;
      }
      struct Widget {
        static void *operator new(std::size_t n) { return xmalloc(n); }
        int value;
      };
      struct alignas(64) Line { char bytes[64]; };
      Widget *make_widget() { return new Widget; }
      std::vector<int> *v; std::string *s; std::list<int> *l; std::map<int, int> *m;
      std::deque<int> *d; std::unordered_map<int, int> *u;
      int main() {
        v = new std::vector<int>(); v->push_back(1);
        s = new std::string(100, 'x');
        l = new std::list<int>(); l->push_back(2);
        m = new std::map<int, int>(); (*m)[3] = 4;
        d = new std::deque<int>(); d->push_back(5);
        u = new std::unordered_map<int, int>(); (*u)[6] = 7;
        int *a = new int[10]; int *b = new (std::nothrow) int; Line *c = new Line; Line *e = new Line[2];
        return make_widget()->value + a[0] + *b + c->bytes[0] + e[1].bytes[0];
      }
      """;

  private static List<String> demangled;
  private static List<String> mangled;

  @BeforeAll
  static void compile(@TempDir Path dir) throws IOException {
    Path gxx = Prerequisite.tool("g++", "apt-get install g++");
    Path nm = Prerequisite.tool("nm", "apt-get install binutils");
    Path source = Files.writeString(dir.resolve("alloc.cc"), PROGRAM);
    Path program = dir.resolve("alloc");
    Commands.run(List.of(gxx.toString(), "-O0", "-o", program.toString(), source.toString()));
    demangled = names(Commands.run(List.of(nm.toString(), "-C", program.toString())));
    mangled = names(Commands.run(List.of(nm.toString(), program.toString())));
  }

  /** The names of {@code nm}'s lines ({@code ADDRESS TYPE NAME}, or {@code U NAME}). */
  private static List<String> names(String nmOutput) {
    return nmOutput
        .lines()
        .map(line -> line.length() > 19 ? line.substring(19) : "")
        .filter(name -> !name.isEmpty())
        .toList();
  }

  private static Frame named(String function) {
    return new Frame(0x401000, "alloc", null, 0x10, false, function, null, 0, false);
  }

  private static boolean skipped(String function) {
    return SkipFrames.matches(SkipFrames.DEFAULT, named(function));
  }

  /** {@code name} as nm listed it, with the version nm adds to an undefined symbol. */
  private static String listed(List<String> names, String name) {
    return names.stream()
        .filter(n -> n.equals(name) || n.startsWith(name + "@"))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError(name + " is not among nm's " + names.size() + " names"));
  }

  @Test
  void theAllocatorsInternalsAreSkipped() {
    List<String> internals =
        List.of(
            "operator new(unsigned long)",
            "operator new[](unsigned long)",
            "operator new(unsigned long, std::nothrow_t const&)",
            "operator new(unsigned long, std::align_val_t)",
            "operator new[](unsigned long, std::align_val_t)",
            "std::__new_allocator<int>::allocate(unsigned long, void const*)",
            "std::allocator_traits<std::allocator<int> >::allocate(std::allocator<int>&,"
                + " unsigned long)",
            "std::_Vector_base<int, std::allocator<int> >::_M_allocate(unsigned long)",
            "std::__cxx11::_List_base<int, std::allocator<int> >::_M_get_node()",
            "std::_Rb_tree<int, std::pair<int const, int>, std::_Select1st<std::pair<int const,"
                + " int> >, std::less<int>, std::allocator<std::pair<int const, int> >"
                + " >::_M_get_node()",
            "std::_Deque_base<int, std::allocator<int> >::_M_allocate_node()",
            "std::_Deque_base<int, std::allocator<int> >::_M_allocate_map(unsigned long)");
    for (String internal : internals) {
      assertThat(skipped(listed(demangled, internal))).as(internal).isTrue();
    }
    String buckets =
        demangled.stream()
            .filter(n -> n.startsWith("std::__detail::_Hashtable_alloc<"))
            .filter(n -> n.contains(">::_M_allocate_buckets("))
            .findFirst()
            .orElseThrow();
    assertThat(skipped(buckets)).as(buckets).isTrue();
  }

  @Test
  void mangledOperatorNewIsSkippedToo() {
    for (String symbol :
        List.of(
            "_Znwm",
            "_Znam",
            "_ZnwmRKSt9nothrow_t",
            "_ZnwmSt11align_val_t",
            "_ZnamSt11align_val_t")) {
      String name = listed(mangled, symbol);
      assertThat(SkipFrames.matches(SkipFrames.DEFAULT, new Frame(0x10, "app", name, 4, false)))
          .as(name)
          .isTrue();
    }
  }

  @Test
  void theProgramsOwnCodeAndTheCallersInTheLibraryStay() {
    List<String> kept =
        List.of(
            "xmalloc",
            "Widget::operator new(unsigned long)",
            "make_widget()",
            "main",
            "std::vector<int, std::allocator<int> >::push_back(int&&)",
            "std::__new_allocator<int>::deallocate(int*, unsigned long)",
            "std::_Vector_base<int, std::allocator<int> >::_M_deallocate(int*, unsigned long)",
            "std::_Deque_base<int, std::allocator<int> >::_M_initialize_map(unsigned long)");
    for (String name : kept) {
      assertThat(skipped(listed(demangled, name))).as(name).isFalse();
    }
  }

  @Test
  void everyNameTheDefaultSetMatchesIsAnAllocatorInternal() {
    List<String> matched = demangled.stream().filter(SkipFramesTest::skipped).toList();
    assertThat(matched).hasSizeGreaterThanOrEqualTo(13);
    Pattern allocating =
        Pattern.compile(
            "operator new.*|.*::(allocate|_M_allocate|_M_get_node|_M_allocate_node"
                + "|_M_allocate_map|_M_allocate_buckets)\\(.*");
    assertThat(matched).allSatisfy(name -> assertThat(name).matches(allocating));
  }

  @Test
  void aPatternMatchesTheWholeFunctionNameOrModuleAndFunction() {
    List<Pattern> patterns = List.of(Pattern.compile("x?malloc"));
    assertThat(SkipFrames.matches(patterns, named("xmalloc"))).isTrue();
    assertThat(SkipFrames.matches(patterns, named("xmalloc_array"))).isFalse();
    List<Pattern> module = List.of(Pattern.compile("libjemalloc\\.so\\.2!.*"));
    assertThat(SkipFrames.matches(module, new Frame(0x10, "libjemalloc.so.2", null, 4, false)))
        .isTrue();
    assertThat(SkipFrames.matches(module, named("je_malloc"))).isFalse();
    assertThat(
            SkipFrames.matches(
                patterns, new Frame(0x10, "libc.so.6", "malloc@@GLIBC_2.2.5", 4, false)))
        .isTrue();
  }

  @Test
  void anInlinedFrameIsJudgedByItsOwnFunctionNotTheSymbolHoldingIt() {
    Frame inlined =
        new Frame(
            0x10,
            "app",
            "_Z4fillRSt6vectorIiSaIiEE",
            0x44,
            false,
            "std::__new_allocator<int>::allocate(unsigned long, void const*)",
            "new_allocator.h",
            137,
            true);
    assertThat(SkipFrames.matches(SkipFrames.DEFAULT, inlined)).isTrue();
    assertThat(SkipFrames.matches(List.of(Pattern.compile("_Z4fill.*")), inlined)).isFalse();
  }

  @Test
  void unknownMemoryAndEarlyEndsAreNeverMatched() {
    List<Pattern> everything = List.of(Pattern.compile(".*"));
    assertThat(SkipFrames.matches(everything, Frame.unknown(0x10, false))).isFalse();
    assertThat(SkipFrames.matches(everything, Frame.end(StackEnd.DEPTH_LIMIT))).isFalse();
    assertThat(SkipFrames.matches(List.of(), named("operator new(unsigned long)"))).isFalse();
  }
}
