package io.leakdetector.symbols.dwarf;

/**
 * DWARF data that cannot be what it claims (a read past its end, an unknown form, an impossible
 * length). Never leaves this package: {@link DwarfInfo} turns it into an empty answer and one log
 * line.
 */
final class DwarfException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  DwarfException(String message) {
    super(message, null, false, false);
  }
}
