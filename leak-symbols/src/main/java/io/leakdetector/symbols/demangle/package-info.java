/**
 * Demangled symbol names for the Linux resolver: {@link
 * io.leakdetector.symbols.demangle.Demangler#demangle(String)}.
 *
 * <p>C++ (Itanium ABI) goes through libstdc++'s {@code __cxa_demangle} (JNA); when libstdc++.so.6
 * cannot be loaded, C++ names stay mangled and {@code Demangler.cppProblem()} says why. Rust legacy
 * and v0 names are demangled by our own code. The output is {@code c++filt -i}'s (binutils 2.40)
 * wherever that demangles a name: no Rust hashes, no {@code .llvm.…} or other dot-suffixes of Rust
 * names, C++ clone suffixes as {@code [clone .cold]}. Beyond it, v0 follows {@code rustc-demangle}:
 * constants of structs, enums, arrays, tuples and {@code &str} (which c++filt 2.40 cannot read),
 * integer constants wider than 64 bits ({@code 0x…}) and Punycode that does not decode ({@code
 * punycode{…}}); legacy names decode non-ASCII {@code $u…$} escapes.
 */
package io.leakdetector.symbols.demangle;
