package io.leakdetector.symbols.dwarf;

/**
 * One frame of an address's source position: the function, and the file and line of the address
 * (for the innermost frame) or of the call that was inlined (for the frames around it).
 *
 * @param linkageName the function's mangled name ({@code _ZN3app7Counter4bumpEi}), or null when its
 *     DWARF has none (C functions; C++ {@code main}, lambdas' {@code operator()} and static
 *     functions never emitted out of line)
 * @param name the function's plain name as the source writes it ({@code bump}), or null when
 *     unknown
 * @param file the source file, joined with its directory and the unit's compilation directory as
 *     GNU addr2line prints it ({@code /usr/include/c++/12/bits/stl_vector.h}), or null when unknown
 * @param line the line, or 0 when unknown
 * @param discriminator the line table's discriminator for the innermost frame's row, else 0
 * @param inlined whether this frame's function was inlined into the next frame's
 */
public record SourceFrame(
    String linkageName, String name, String file, int line, int discriminator, boolean inlined) {

  /**
   * The name to show, before demangling: the linkage name when there is one, else the plain name;
   * null when the function has no name.
   */
  public String rawName() {
    return linkageName != null ? linkageName : name;
  }
}
