package io.leakdetector.symbols.elf;

import static io.leakdetector.symbols.elf.ElfInput.cString;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The defined symbols of an ELF file's {@code .dynsym} and {@code .symtab}, each once, with their
 * GNU symbol versions ({@code .gnu.version}, {@code .gnu.version_d}, {@code .gnu.version_r}).
 */
final class ElfSymbolTables {
  private static final int SHN_UNDEF = 0;
  private static final int VER_FLG_BASE = 1;
  private static final int VERSYM_HIDDEN = 0x8000;

  private final ElfInput in;
  private final List<ElfSection> sections;

  ElfSymbolTables(ElfInput in, List<ElfSection> sections) {
    this.in = in;
    this.sections = sections;
  }

  private record SymbolKey(String name, long value, String version) {}

  List<ElfSymbol> load() throws IOException {
    Map<SymbolKey, ElfSymbol> unique = new LinkedHashMap<>();
    Set<SymbolKey> unversioned = new HashSet<>();
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_DYNSYM) {
        for (ElfSymbol symbol : readSymbolTable(s, versionNames(s))) {
          unique.putIfAbsent(
              new SymbolKey(symbol.name(), symbol.value(), symbol.version()), symbol);
          unversioned.add(new SymbolKey(symbol.name(), symbol.value(), ""));
        }
      }
    }
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_SYMTAB) {
        for (ElfSymbol symbol : readSymbolTable(s, null)) {
          SymbolKey key = new SymbolKey(symbol.name(), symbol.value(), symbol.version());
          if (symbol.version().isEmpty() && unversioned.contains(key)) {
            continue; // already there from .dynsym, with its version
          }
          unique.putIfAbsent(key, symbol);
        }
      }
    }
    return new ArrayList<>(unique.values());
  }

  private List<ElfSymbol> readSymbolTable(ElfSection table, VersionTable versions)
      throws IOException {
    if (!table.hasFileBytes() || table.entrySize() < 24) {
      return List.of();
    }
    if (table.link() <= 0 || table.link() >= sections.size()) {
      throw new IOException(in.path() + " is corrupt: " + table.name() + " has no string table");
    }
    ByteBuffer entries = in.readSection(table);
    ByteBuffer strings = in.readSection(sections.get(table.link()));
    int entrySize = (int) table.entrySize();
    int count = entries.limit() / entrySize;
    List<ElfSymbol> list = new ArrayList<>(count);
    for (int i = 1; i < count; i++) {
      int at = i * entrySize;
      int info = Byte.toUnsignedInt(entries.get(at + 4));
      int sectionIndex = Short.toUnsignedInt(entries.getShort(at + 6));
      int symbolType = info & 0xf;
      if (sectionIndex == SHN_UNDEF
          || symbolType == ElfSymbol.STT_SECTION
          || symbolType == ElfSymbol.STT_FILE) {
        continue;
      }
      String name = cString(strings, entries.getInt(at));
      if (name.isEmpty()) {
        continue;
      }
      String version = "";
      boolean isDefault = true;
      if (versions != null) {
        version = versions.versionOf(i);
        isDefault = !versions.isHidden(i);
      } else {
        int atSign = name.indexOf('@');
        if (atSign > 0) {
          isDefault = name.startsWith("@@", atSign);
          version = name.substring(atSign + (isDefault ? 2 : 1));
          name = name.substring(0, atSign);
        }
      }
      list.add(
          new ElfSymbol(
              name,
              entries.getLong(at + 8),
              entries.getLong(at + 16),
              symbolType,
              info >>> 4,
              sectionIndex,
              version,
              isDefault));
    }
    return list;
  }

  /** The GNU version of each {@code .dynsym} entry, from {@code .gnu.version(_d|_r)}. */
  private VersionTable versionNames(ElfSection dynsym) throws IOException {
    ElfSection versym = null;
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_GNU_VERSYM && s.link() == dynsym.index()) {
        versym = s;
      }
    }
    if (versym == null) {
      return null;
    }
    Map<Integer, String> names = new HashMap<>();
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_GNU_VERDEF && s.link() > 0 && s.link() < sections.size()) {
        readVerdef(in.readSection(s), in.readSection(sections.get(s.link())), s.info(), names);
      } else if (s.type() == ElfSection.SHT_GNU_VERNEED
          && s.link() > 0
          && s.link() < sections.size()) {
        readVerneed(in.readSection(s), in.readSection(sections.get(s.link())), s.info(), names);
      }
    }
    return new VersionTable(in.readSection(versym), names);
  }

  private static void readVerdef(
      ByteBuffer defs, ByteBuffer strings, int count, Map<Integer, String> names) {
    int at = 0;
    for (int i = 0; i < count && at >= 0 && at + 20 <= defs.limit(); i++) {
      int flags = Short.toUnsignedInt(defs.getShort(at + 2));
      int index = Short.toUnsignedInt(defs.getShort(at + 4));
      int aux = defs.getInt(at + 12);
      if ((flags & VER_FLG_BASE) == 0 && at + aux + 8 <= defs.limit()) {
        names.put(index, cString(strings, defs.getInt(at + aux)));
      }
      int next = defs.getInt(at + 16);
      if (next <= 0) {
        break;
      }
      at += next;
    }
  }

  private static void readVerneed(
      ByteBuffer needs, ByteBuffer strings, int count, Map<Integer, String> names) {
    int at = 0;
    for (int i = 0; i < count && at >= 0 && at + 16 <= needs.limit(); i++) {
      int auxCount = Short.toUnsignedInt(needs.getShort(at + 2));
      int aux = at + needs.getInt(at + 8);
      for (int j = 0; j < auxCount && aux >= 0 && aux + 16 <= needs.limit(); j++) {
        int index = Short.toUnsignedInt(needs.getShort(aux + 6));
        names.put(index & ~VERSYM_HIDDEN, cString(strings, needs.getInt(aux + 8)));
        int nextAux = needs.getInt(aux + 12);
        if (nextAux <= 0) {
          break;
        }
        aux += nextAux;
      }
      int next = needs.getInt(at + 12);
      if (next <= 0) {
        break;
      }
      at += next;
    }
  }

  /** {@code .gnu.version}: one 16-bit index per dynamic symbol, high bit = hidden. */
  private record VersionTable(ByteBuffer versym, Map<Integer, String> names) {
    String versionOf(int symbolIndex) {
      int at = symbolIndex * 2;
      if (at + 2 > versym.limit()) {
        return "";
      }
      int index = Short.toUnsignedInt(versym.getShort(at)) & ~VERSYM_HIDDEN;
      return index <= 1 ? "" : names.getOrDefault(index, "");
    }

    boolean isHidden(int symbolIndex) {
      int at = symbolIndex * 2;
      return at + 2 <= versym.limit() && (versym.getShort(at) & VERSYM_HIDDEN) != 0;
    }
  }
}
