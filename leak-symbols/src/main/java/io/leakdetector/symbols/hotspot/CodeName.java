package io.leakdetector.symbols.hotspot;

import java.util.List;

/**
 * A name for code in the code cache: a compiled Java method ({@code javaMethod}) with the Java
 * frames at the address, innermost first and the compiled method itself last (the methods inlined
 * there before it), or a stub's blob name with no frames.
 */
public record CodeName(String name, long start, boolean javaMethod, List<JavaFrame> frames) {
  public CodeName {
    frames = List.copyOf(frames);
  }
}
