package io.leakdetector.symbols.hotspot;

/** A Java method met in a JVM: its qualified name and where its bytecodes lie in its source. */
public record JavaMethod(String name, MethodLines lines) {}
