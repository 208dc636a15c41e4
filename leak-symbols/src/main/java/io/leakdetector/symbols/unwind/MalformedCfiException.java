package io.leakdetector.symbols.unwind;

/**
 * Call frame information that cannot be read (truncated, an unknown encoding or opcode). Thrown
 * while compiling and caught where the damage can be contained: the entry is skipped, or the rest
 * of a frame description is marked unsupported.
 */
final class MalformedCfiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MalformedCfiException(String message) {
    super(message, null, false, false);
  }
}
