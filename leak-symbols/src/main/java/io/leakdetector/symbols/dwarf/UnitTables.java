package io.leakdetector.symbols.dwarf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One unit's line table and function table, and the frames they give an address: the innermost
 * function at the address with the line table's file and line, then each function it was inlined
 * into with the file and line of the inlined call — the list {@code addr2line -i -f} prints.
 */
final class UnitTables {
  private final DwarfData data;
  private final CompileUnit unit;
  private final LineTable lines;
  private final FunctionTable functions;
  private final Map<Integer, FunctionNames> names = new HashMap<>();

  UnitTables(DwarfData data, CompileUnit unit, LineTable lines, FunctionTable functions) {
    this.data = data;
    this.unit = unit;
    this.lines = lines;
    this.functions = functions;
  }

  static UnitTables read(DwarfData data, int unitIndex) {
    CompileUnit unit = data.unit(unitIndex);
    return new UnitTables(
        data, unit, LineTableReader.read(data, unit), FunctionTableReader.read(data, unit));
  }

  /**
   * The frames at {@code address}, innermost first; empty when the unit knows nothing of it.
   *
   * <p>As in GNU addr2line, a function that holds the address with nothing inlined there, and has
   * no linkage name in a language that mangles names, is named by the ELF symbol that holds the
   * address ({@code main}, {@code main.cold}, a member template over a lambda).
   */
  List<SourceFrame> frames(long address, FunctionSymbols symbols) {
    int row = lines.find(address);
    int function = functions.functionAt(address);
    if (row < 0 && function < 0) {
      return List.of();
    }
    String file = row >= 0 ? lines.file(row) : null;
    int line = row >= 0 ? lines.line(row) : 0;
    int discriminator = row >= 0 ? lines.discriminator(row) : 0;
    if (function < 0) {
      return List.of(new SourceFrame(null, null, file, line, discriminator, false));
    }
    List<SourceFrame> frames = new ArrayList<>(4);
    int current = function;
    FunctionNames currentNames = names(current, symbols);
    boolean single = !functions.inlined(current) || functions.caller(current) < 0;
    if (single && currentNames.linkageName() == null && !unit.plainNames()) {
      String symbol = symbols.at(address);
      if (symbol != null) {
        currentNames = new FunctionNames(symbol, currentNames.name());
      }
    }
    while (true) {
      int caller = functions.inlined(current) ? functions.caller(current) : -1;
      frames.add(
          new SourceFrame(
              currentNames.linkageName(),
              currentNames.name(),
              file,
              line,
              discriminator,
              caller >= 0));
      if (caller < 0) {
        return List.copyOf(frames);
      }
      file = lines.path(functions.callFile(current));
      line = functions.callLine(current);
      discriminator = 0;
      current = caller;
      currentNames = names(current, symbols);
    }
  }

  /**
   * The function's DWARF names; for an out-of-line function without a linkage name in a language
   * that mangles, the name of the ELF symbol that starts at its entry, when there is one (GNU
   * addr2line names it so once it has looked it up).
   */
  private FunctionNames names(int function, FunctionSymbols symbols) {
    FunctionNames known = names.get(function);
    if (known == null) {
      known = FunctionNames.of(data, functions.die(function));
      if (known.linkageName() == null && !functions.inlined(function) && !unit.plainNames()) {
        String symbol = symbols.startingAt(functions.entry(function));
        if (symbol != null) {
          known = new FunctionNames(symbol, known.name());
        }
      }
      names.put(function, known);
    }
    return known;
  }

  long estimatedBytes() {
    return 64L + lines.estimatedBytes() + functions.estimatedBytes() + 96L * names.size();
  }
}
