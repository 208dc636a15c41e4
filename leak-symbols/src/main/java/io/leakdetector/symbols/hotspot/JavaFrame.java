package io.leakdetector.symbols.hotspot;

/**
 * One Java method's frame in compiled code: the method, and the source line of the bytecode it was
 * at (file null and line 0 where unknown).
 */
public record JavaFrame(String name, String file, int line) {}
