package io.leakdetector.symbols.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kernel text symbols from {@code /proc/kallsyms}, sorted by address. Empty when the kernel hides
 * addresses from us ({@code kptr_restrict}: every address reads as 0).
 */
final class KernelSymbols {
  /** The module name of symbols of the kernel image itself, as perf names it. */
  static final String KERNEL_MODULE = "[kernel.kallsyms]";

  private final long[] addresses;
  private final String[] names;
  private final String[] modules;

  private KernelSymbols(long[] addresses, String[] names, String[] modules) {
    this.addresses = addresses;
    this.names = names;
    this.modules = modules;
  }

  static KernelSymbols load(Path kallsyms) {
    record Entry(long address, String name, String module) {}
    List<Entry> entries = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(kallsyms)) {
      String line;
      while ((line = reader.readLine()) != null) {
        // ffffffff81000000 T _stext
        // ffffffffc0a01000 t ext4_foo\t[ext4]
        int space1 = line.indexOf(' ');
        int space2 = space1 < 0 ? -1 : line.indexOf(' ', space1 + 1);
        if (space2 < 0 || space2 != space1 + 2) {
          continue;
        }
        char type = Character.toLowerCase(line.charAt(space1 + 1));
        if (type != 't' && type != 'w') {
          continue;
        }
        long address = Long.parseUnsignedLong(line.substring(0, space1), 16);
        if (address == 0) {
          continue;
        }
        String rest = line.substring(space2 + 1);
        int tab = rest.indexOf('\t');
        String name = tab < 0 ? rest : rest.substring(0, tab);
        String module = tab < 0 ? KERNEL_MODULE : rest.substring(tab + 1).trim();
        entries.add(new Entry(address, name, module));
      }
    } catch (IOException | RuntimeException e) {
      return new KernelSymbols(new long[0], new String[0], new String[0]);
    }
    entries.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
    long[] addresses = new long[entries.size()];
    String[] names = new String[entries.size()];
    String[] modules = new String[entries.size()];
    int n = 0;
    for (Entry e : entries) {
      if (n > 0 && addresses[n - 1] == e.address()) {
        continue; // aliases: keep the first name
      }
      addresses[n] = e.address();
      names[n] = e.name();
      modules[n] = e.module();
      n++;
    }
    return new KernelSymbols(
        Arrays.copyOf(addresses, n), Arrays.copyOf(names, n), Arrays.copyOf(modules, n));
  }

  boolean isEmpty() {
    return addresses.length == 0;
  }

  /** The index of the nearest symbol at or below {@code address}, or -1. */
  int indexOf(long address) {
    int low = 0;
    int high = addresses.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (Long.compareUnsigned(addresses[mid], address) <= 0) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low - 1;
  }

  long address(int index) {
    return addresses[index];
  }

  String name(int index) {
    return names[index];
  }

  String module(int index) {
    return modules[index];
  }
}
