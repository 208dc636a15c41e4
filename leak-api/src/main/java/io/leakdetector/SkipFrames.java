package io.leakdetector;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which frames a report drops from the top (the innermost end) of every stack: the allocator's own
 * frames between {@code malloc} and the code that asked for memory. Skipping stops at the first
 * frame that no pattern matches, so the stacks of different callers still differ; frames further
 * out are never dropped, even when a pattern matches them. Stacks whose remaining frames are equal
 * are then reported as one (see {@link LeakDetector.Builder#skipFrames}).
 *
 * <p>A pattern is a {@link Pattern Java regular expression} that must match a whole name, either
 * the frame's function as a reader writes it ({@link Frame#function()}: demangled, with its
 * parameter list when the module's names have one; the symbol when no function name is known) or
 * {@code module!function} ({@code libfoo.so.1!foo_alloc}; {@code libfoo.so.1!} for a frame without
 * a name), with any {@code @VERSION} suffix of the name left out ({@code malloc@@GLIBC_2.2.5}).
 * Frames in unknown memory and the markers that end a stack early are never skipped.
 *
 * <p>The default set, {@link #DEFAULT}, holds C++ allocator internals only; allocation wrappers of
 * the program's own ({@code xmalloc}) stay, since they are the user's code:
 *
 * <ul>
 *   <li>the global {@code operator new} and {@code operator new[]} in every overload (plain, {@code
 *       std::nothrow_t}, {@code std::align_val_t} and both), demangled with or without parameter
 *       list, and mangled ({@code _Znwm}, {@code _ZnamRKSt9nothrow_t}, …) for modules whose names
 *       nobody demangled; a class's own {@code Foo::operator new} stays;
 *   <li>{@code allocate} of {@code std::allocator}, {@code std::__new_allocator} (libstdc++ 12+),
 *       {@code __gnu_cxx::new_allocator} (older libstdc++), {@code std::allocator_traits} and
 *       {@code __gnu_cxx::__alloc_traits};
 *   <li>the libstdc++ containers' helpers that only fetch a block from the allocator: {@code
 *       std::_Vector_base::_M_allocate}, {@code _List_base::_M_get_node}, {@code
 *       _Rb_tree::_M_get_node}, {@code _Deque_base::_M_allocate_node} / {@code _M_allocate_map} and
 *       {@code __detail::_Hashtable_alloc::_M_allocate_buckets}.
 * </ul>
 *
 * The names are those g++ 12 and libstdc++ give (checked against {@code nm -C} in the tests).
 * libc++'s ({@code std::__1::}) and the MSVC STL's internal helpers are not in the set.
 */
public final class SkipFrames {
  private SkipFrames() {}

  /** The patterns a session uses unless told otherwise. */
  public static final List<Pattern> DEFAULT =
      List.of(
          Pattern.compile("operator new(\\[\\])?(\\(.*\\))?"),
          Pattern.compile("_Zn[wa][jmy].*"),
          Pattern.compile(
              "(std|__gnu_cxx)::(allocator|__new_allocator|new_allocator|allocator_traits"
                  + "|__alloc_traits)<.*>::allocate(\\(.*\\))?"),
          Pattern.compile(
              "std::(__cxx11::)?(_Vector_base<.*>::_M_allocate|_List_base<.*>::_M_get_node"
                  + "|_Rb_tree<.*>::_M_get_node|_Deque_base<.*>::_M_allocate_(node|map)"
                  + "|__detail::_Hashtable_alloc<.*>::_M_allocate_buckets)(\\(.*\\))?"));

  /** Whether any of {@code patterns} matches {@code frame} (see the class comment). */
  public static boolean matches(List<Pattern> patterns, Frame frame) {
    if (patterns.isEmpty() || frame.module() == null) {
      return false;
    }
    String name = withoutVersion(frame.function() != null ? frame.function() : frame.symbol());
    String qualified = frame.module() + "!" + name;
    for (Pattern pattern : patterns) {
      if (pattern.matcher(name).matches() || pattern.matcher(qualified).matches()) {
        return true;
      }
    }
    return false;
  }

  private static String withoutVersion(String name) {
    if (name == null) {
      return "";
    }
    int version = name.indexOf('@');
    return version > 0 ? name.substring(0, version) : name;
  }
}
