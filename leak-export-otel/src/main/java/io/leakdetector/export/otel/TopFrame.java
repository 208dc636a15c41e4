package io.leakdetector.export.otel;

import io.leakdetector.Frame;
import io.leakdetector.SkipFrames;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Picks the frame that names a leaking stack: the innermost frame outside the allocator.
 *
 * <p>Walking from the innermost frame outwards, a frame is skipped when it is a kernel frame, the
 * marker of a stack that ends early, a frame whose module is the C library, the dynamic loader or a
 * heap implementation ({@code libc.so.6}, {@code ld-linux-x86-64.so.2}, {@code libjemalloc.so.2},
 * {@code ntdll.dll}, {@code kernelbase.dll}, {@code kernel32.dll}, {@code ucrtbase.dll}, {@code
 * msvcrt.dll}, …), or a frame whose function is an allocator function ({@code malloc}, {@code
 * calloc}, {@code realloc}, {@code free}, {@code operator new}, {@code HeapAlloc}, {@code
 * RtlAllocateHeap}, …, also in a statically linked program) or a C++ allocator internal of {@link
 * SkipFrames#DEFAULT} ({@code std::allocator<T>::allocate}, …). The function is judged by its
 * demangled name ({@code operator new(unsigned long)}, parameters and all) and by its symbol
 * ({@code _Znwm}; for an inlined frame the symbol of the function it was inlined into, whose code
 * it is). Inlined frames are passed over too: they carry no offset, so stacks of different callers
 * of one inlined function would share a name; the function they were inlined into names the stack.
 * The first frame not skipped is the top frame, named as the text report writes it ({@link
 * Frame#text()}: {@code demo!leak_a+0x1A (demo.c:12)}, the function demangled, the source line when
 * known). A stack made only of skipped frames is named by its innermost frame that is neither a
 * kernel frame nor a marker, and a stack without frames by {@value #NO_FRAMES}. Frames in unknown
 * memory are not skipped: nothing says they belong to the allocator.
 */
public final class TopFrame {
  private TopFrame() {}

  /** The name of a stack that has no frames at all. */
  public static final String NO_FRAMES = "[no frames]";

  private static final Pattern ALLOCATOR_MODULE =
      Pattern.compile(
          "libc\\.so.*|libc-[0-9.]+\\.so|libc\\.musl-.*|ld-.*\\.so.*|ld64\\.so.*|ld\\.so.*"
              + "|libjemalloc\\.so.*|libtcmalloc.*\\.so.*|libmimalloc\\.so.*"
              + "|ntdll\\.dll|kernelbase\\.dll|kernel32\\.dll|ucrtbased?\\.dll|msvcrt\\.dll"
              + "|msvcr[0-9]+d?\\.dll|api-ms-win-crt-heap-.*\\.dll");

  private static final Set<String> ALLOCATOR_SYMBOLS =
      Set.of(
          // C and POSIX
          "malloc",
          "calloc",
          "realloc",
          "reallocarray",
          "free",
          "cfree",
          "memalign",
          "aligned_alloc",
          "posix_memalign",
          "valloc",
          "pvalloc",
          "strdup",
          "strndup",
          "wcsdup",
          // glibc internals
          "__libc_malloc",
          "__libc_calloc",
          "__libc_realloc",
          "__libc_free",
          "__libc_memalign",
          "__libc_valloc",
          "__libc_pvalloc",
          "_int_malloc",
          "_int_realloc",
          "_int_free",
          "_int_memalign",
          "sysmalloc",
          "tcache_init",
          // Windows heap and CRT
          "HeapAlloc",
          "HeapReAlloc",
          "HeapFree",
          "LocalAlloc",
          "LocalReAlloc",
          "LocalFree",
          "GlobalAlloc",
          "GlobalReAlloc",
          "GlobalFree",
          "RtlAllocateHeap",
          "RtlReAllocateHeap",
          "RtlFreeHeap",
          "_malloc_base",
          "_calloc_base",
          "_realloc_base",
          "_free_base",
          "_malloc_dbg",
          "_calloc_dbg",
          "_realloc_dbg",
          "_free_dbg",
          "_aligned_malloc",
          "_aligned_realloc",
          "_aligned_free",
          "_recalloc",
          "_strdup",
          "_wcsdup");

  /** C++ operator new/new[]/delete/delete[], mangled (Itanium ABI) or demangled. */
  private static final List<String> ALLOCATOR_SYMBOL_PREFIXES =
      List.of("_Znw", "_Zna", "_Zdl", "_Zda", "operator new", "operator delete");

  /**
   * The top frame's text, {@code module!function+0xOFF (file:line)}, of a stack innermost first.
   */
  public static String of(List<Frame> frames) {
    for (Frame frame : frames) {
      if (!frame.kernel()
          && !frame.inlined()
          && frame.stackEnd().isEmpty()
          && !isAllocator(frame)) {
        return frame.text();
      }
    }
    for (Frame frame : frames) {
      if (!frame.kernel() && !frame.inlined() && frame.stackEnd().isEmpty()) {
        return frame.text();
      }
    }
    return frames.isEmpty() ? NO_FRAMES : frames.get(0).text();
  }

  /** Whether the frame lies in an allocator module or in an allocator function. */
  public static boolean isAllocator(Frame frame) {
    if (frame.module() != null
        && ALLOCATOR_MODULE.matcher(frame.module().toLowerCase(Locale.ROOT)).matches()) {
      return true;
    }
    return isAllocatorName(frame.function())
        || isAllocatorName(frame.symbol())
        || SkipFrames.matches(SkipFrames.DEFAULT, frame);
  }

  private static boolean isAllocatorName(String symbol) {
    if (symbol == null) {
      return false;
    }
    int version = symbol.indexOf('@'); // malloc@@GLIBC_2.2.5
    String name = version > 0 ? symbol.substring(0, version) : symbol;
    if (ALLOCATOR_SYMBOLS.contains(name)) {
      return true;
    }
    for (String prefix : ALLOCATOR_SYMBOL_PREFIXES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
