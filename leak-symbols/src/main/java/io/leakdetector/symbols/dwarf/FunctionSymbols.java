package io.leakdetector.symbols.dwarf;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ELF file's function symbols by address, read on first use: the name GNU addr2line shows for a
 * function whose DWARF has no linkage name in a language that mangles (C++ {@code main}, member
 * templates over lambdas), when nothing was inlined at the address.
 */
final class FunctionSymbols {
  private final ElfFile elf;
  private long[] start;
  private long[] end;
  private String[] name;

  FunctionSymbols(ElfFile elf) {
    this.elf = elf;
  }

  /** The function symbol holding {@code address} (the nearest start at or below it), or null. */
  String at(long address) {
    if (start == null) {
      load();
    }
    int low = 0;
    int high = start.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (start[mid] <= address) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    for (int i = high; i >= 0 && start[i] == start[high]; i--) {
      if (address < end[i]) {
        return name[i];
      }
    }
    return null;
  }

  /** The function symbol that starts exactly at {@code address}, or null. */
  String startingAt(long address) {
    if (start == null) {
      load();
    }
    int low = 0;
    int high = start.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (start[mid] < address) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return low < start.length && start[low] == address ? name[low] : null;
  }

  private void load() {
    List<ElfSymbol> functions = new ArrayList<>();
    try {
      for (ElfSymbol symbol : elf.symbols()) {
        if ((symbol.type() == ElfSymbol.STT_FUNC || symbol.type() == ElfSymbol.STT_GNU_IFUNC)
            && symbol.size() > 0) {
          functions.add(symbol);
        }
      }
    } catch (RuntimeException e) {
      functions.clear(); // unreadable symbol tables: DWARF names only
    }
    // By start; of symbols starting together the smallest first, as addr2line prefers it.
    functions.sort(
        Comparator.comparingLong(ElfSymbol::value)
            .thenComparing(ElfSymbol::size, Comparator.reverseOrder()));
    start = new long[functions.size()];
    end = new long[functions.size()];
    name = new String[functions.size()];
    for (int i = 0; i < start.length; i++) {
      ElfSymbol symbol = functions.get(i);
      start[i] = symbol.value();
      end[i] = symbol.value() + symbol.size();
      name[i] = symbol.name();
    }
  }

  long estimatedBytes() {
    return start == null ? 0 : 64L * start.length;
  }
}
