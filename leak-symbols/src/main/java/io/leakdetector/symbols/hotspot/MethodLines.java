package io.leakdetector.symbols.hotspot;

/**
 * A Java method's source file and line number table: {@code lines[i]} starts at bytecode index
 * {@code bcis[i]}.
 *
 * @param file the class's source file ({@code Deflater.java}), or null when the class has none
 */
public record MethodLines(String file, int[] bcis, int[] lines) {
  /** No line information. */
  public static final MethodLines NONE = new MethodLines(null, new int[0], new int[0]);

  /**
   * The line of bytecode index {@code bci} as HotSpot's {@code Method::line_number_from_bci} finds
   * it (the entry at it, else the closest one before it), or 0 when unknown.
   */
  public int line(int bci) {
    int bestBci = 0;
    int best = 0;
    for (int i = 0; i < bcis.length; i++) {
      if (bcis[i] == bci) {
        return lines[i];
      }
      if (bcis[i] < bci && bcis[i] >= bestBci) {
        bestBci = bcis[i];
        best = lines[i];
      }
    }
    return bci < 0 ? 0 : best;
  }
}
