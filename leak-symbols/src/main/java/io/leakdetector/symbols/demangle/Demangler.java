package io.leakdetector.symbols.demangle;

import java.util.Optional;

/**
 * Symbol names as a reader writes them: C++ (Itanium ABI), Rust legacy and Rust v0, the way {@code
 * c++filt -i} (binutils) prints them. Rust is tried first, as {@code c++filt} does: a legacy Rust
 * name is an Itanium name too. Thread-safe; nothing is cached (the resolver caches its frames).
 *
 * <p>A GNU symbol version ({@code memcpy@GLIBC_2.14}, {@code _Znwm@@GLIBCXX_3.4}) is left out of
 * the name. A name that is not mangled, or that cannot be demangled, comes back as it is (without
 * the version).
 */
public final class Demangler {
  private static final Demangler STANDARD =
      new Demangler(ItaniumDemangler.load(ItaniumDemangler.LIBRARY));

  private final ItaniumDemangler itanium;

  Demangler(ItaniumDemangler itanium) {
    this.itanium = itanium;
  }

  /** The readable name of {@code symbol}, or {@code symbol} without its version. */
  public static String demangle(String symbol) {
    return STANDARD.readable(symbol);
  }

  /** Whether C++ names are demangled (libstdc++'s {@code __cxa_demangle} could be loaded). */
  public static boolean cppAvailable() {
    return STANDARD.itanium.available();
  }

  /** One sentence saying why C++ names stay mangled, when they do. */
  public static Optional<String> cppProblem() {
    return STANDARD.itanium.problem();
  }

  /** {@code symbol} without a GNU symbol version ({@code @VERSION} or {@code @@VERSION}). */
  public static String withoutVersion(String symbol) {
    int at = symbol.indexOf('@');
    return at > 0 ? symbol.substring(0, at) : symbol;
  }

  String readable(String symbol) {
    String name = withoutVersion(symbol);
    // Like c++filt: one leading '.' (kept) or '$' (dropped) before a mangled name.
    char first = name.isEmpty() ? 0 : name.charAt(0);
    int skip = first == '.' || first == '$' ? 1 : 0;
    String demangled = demangleMangled(name.substring(skip));
    if (demangled == null) {
      return name;
    }
    return first == '.' ? "." + demangled : demangled;
  }

  private String demangleMangled(String name) {
    String demangled = RustV0Demangler.demangle(name);
    if (demangled == null) {
      demangled = RustLegacyDemangler.demangle(name);
    }
    if (demangled == null) {
      demangled = itanium.demangle(name);
    }
    return demangled;
  }
}
