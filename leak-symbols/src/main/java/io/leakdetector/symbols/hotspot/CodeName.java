package io.leakdetector.symbols.hotspot;

import java.util.List;

/**
 * A name for code in the code cache; {@code javaMethod} when it is a compiled Java method, whose
 * {@code inlined} methods at the address are listed innermost first (without the method itself).
 */
public record CodeName(String name, long start, boolean javaMethod, List<String> inlined) {
  public CodeName {
    inlined = List.copyOf(inlined);
  }
}
