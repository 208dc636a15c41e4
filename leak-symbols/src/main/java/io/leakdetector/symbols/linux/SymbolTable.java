package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.elf.ElfSymbol;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The function symbols of one module, sorted by address in primitive arrays for a binary search.
 * Several names at one address (aliases such as {@code aligned_alloc} and {@code memalign}) are
 * kept once, under the most readable name. A {@linkplain #isProvisional() provisional} table is
 * used while a better file for the module (its debug file) is still on its way: frames named from
 * it must not be kept.
 */
final class SymbolTable {
  /** How far back a lookup looks for a symbol whose range holds the address. */
  private static final int MAX_ENCLOSING_SCAN = 64;

  static final SymbolTable EMPTY = new SymbolTable(new long[0], new long[0], new String[0], false);

  private final long[] starts;
  private final long[] sizes;
  private final String[] names;
  private final boolean provisional;

  private SymbolTable(long[] starts, long[] sizes, String[] names, boolean provisional) {
    this.starts = starts;
    this.sizes = sizes;
    this.names = names;
    this.provisional = provisional;
  }

  /** Whether a better table for the module may still come (its debug file is being fetched). */
  boolean isProvisional() {
    return provisional;
  }

  /** The same symbols, marked provisional or final. */
  SymbolTable provisional(boolean value) {
    return value == provisional ? this : new SymbolTable(starts, sizes, names, value);
  }

  /** A table of the function symbols among {@code symbols}. */
  static SymbolTable of(List<ElfSymbol> symbols) {
    List<ElfSymbol> functions = new ArrayList<>();
    for (ElfSymbol s : symbols) {
      if (s.isFunction() && s.value() != 0) {
        functions.add(s);
      }
    }
    functions.sort(
        Comparator.comparingLong(ElfSymbol::value)
            .thenComparing(SymbolTable::leadingUnderscores)
            .thenComparing(s -> !s.defaultVersion())
            .thenComparingInt(SymbolTable::bindRank)
            .thenComparingInt(s -> s.name().length())
            .thenComparing(ElfSymbol::name));
    long[] starts = new long[functions.size()];
    long[] sizes = new long[functions.size()];
    String[] names = new String[functions.size()];
    int n = 0;
    for (ElfSymbol s : functions) {
      if (n > 0 && starts[n - 1] == s.value()) {
        sizes[n - 1] = Math.max(sizes[n - 1], s.size());
        continue;
      }
      starts[n] = s.value();
      sizes[n] = s.size();
      names[n] = s.name();
      n++;
    }
    return new SymbolTable(
        Arrays.copyOf(starts, n), Arrays.copyOf(sizes, n), Arrays.copyOf(names, n), false);
  }

  private static int leadingUnderscores(ElfSymbol s) {
    int n = 0;
    while (n < s.name().length() && s.name().charAt(n) == '_') {
      n++;
    }
    return n;
  }

  private static int bindRank(ElfSymbol s) {
    return switch (s.bind()) {
      case ElfSymbol.STB_GLOBAL -> 0;
      case ElfSymbol.STB_WEAK -> 1;
      default -> 2;
    };
  }

  int size() {
    return starts.length;
  }

  boolean isEmpty() {
    return starts.length == 0;
  }

  /**
   * The index of the symbol for {@code vaddr}: the nearest symbol at or below it whose range holds
   * it; or, when that nearest symbol's size is unknown (0), that symbol. -1 when the address lies
   * in no symbol (padding, PLT, data).
   */
  int indexOf(long vaddr) {
    int i = upperBound(vaddr) - 1;
    if (i < 0) {
      return -1;
    }
    if (holds(i, vaddr)) {
      return i;
    }
    for (int j = i - 1; j >= 0 && j >= i - MAX_ENCLOSING_SCAN; j--) {
      if (holds(j, vaddr)) {
        return j;
      }
    }
    return sizes[i] == 0 ? i : -1;
  }

  long start(int index) {
    return starts[index];
  }

  String name(int index) {
    return names[index];
  }

  private boolean holds(int index, long vaddr) {
    return sizes[index] > 0 && Long.compareUnsigned(vaddr - starts[index], sizes[index]) < 0;
  }

  /** The first index whose start is above {@code vaddr} (unsigned). */
  private int upperBound(long vaddr) {
    int low = 0;
    int high = starts.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (Long.compareUnsigned(starts[mid], vaddr) <= 0) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}
