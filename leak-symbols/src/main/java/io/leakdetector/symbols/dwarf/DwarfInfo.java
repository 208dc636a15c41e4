package io.leakdetector.symbols.dwarf;

import io.leakdetector.symbols.elf.ElfFile;
import java.lang.System.Logger.Level;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Source positions from the DWARF of one ELF file ({@code .debug_line}, {@code .debug_info}; DWARF
 * 2 to 5; compressed sections as {@link ElfFile#sectionData} reads them): for an address, the
 * function, file and line, with the functions inlined there — what {@code addr2line -i -f} prints.
 *
 * <p>Lazy: nothing is read until the first lookup, which reads the unit headers and builds an index
 * from address ranges to units ({@code .debug_aranges}, else each unit's own ranges). A unit's line
 * table and function table are decoded when an address first falls in it and kept in a cache
 * bounded by a byte budget (least recently used units are dropped first). The sections read stay in
 * memory while this object lives; {@link #memoryBytes()} reports the total.
 *
 * <p>Robust: a file without DWARF, or whose DWARF is corrupt, gives empty answers; the first
 * problem is logged once ({@link System.Logger} {@code io.leakdetector.symbols}, level WARNING);
 * {@link #lookup} never throws. The {@link ElfFile} must stay open while lookups are made.
 * Thread-safe (lookups are serialized).
 */
public final class DwarfInfo {
  /** The default budget for decoded unit tables. */
  public static final long DEFAULT_CACHE_BYTES = 64L << 20;

  private static final String LOGGER = "io.leakdetector.symbols";

  private final DwarfSections sections;
  private final FunctionSymbols symbols;
  private final long cacheBudget;
  private final System.Logger log;
  private final Map<Integer, UnitTables> cache = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<Integer, Long> cachedSizes = new LinkedHashMap<>();
  private final BitSet unreadableUnits = new BitSet();
  private long cachedBytes;
  private DwarfData data;
  private UnitIndex index;
  private boolean unusable;
  private boolean warned;

  private DwarfInfo(ElfFile elf, long cacheBudget, System.Logger log) {
    this.sections = new DwarfSections(elf);
    this.symbols = new FunctionSymbols(elf);
    this.cacheBudget = cacheBudget;
    this.log = log;
    this.unusable = !sections.has(DwarfSections.INFO);
  }

  /** The DWARF of {@code elf}, with the default cache budget. Reads nothing yet. */
  public static DwarfInfo open(ElfFile elf) {
    return open(elf, DEFAULT_CACHE_BYTES);
  }

  /**
   * The DWARF of {@code elf}; decoded unit tables are kept up to {@code cacheBytes} (at least the
   * unit of the last lookup is always kept).
   */
  public static DwarfInfo open(ElfFile elf, long cacheBytes) {
    return open(elf, cacheBytes, System.getLogger(LOGGER));
  }

  /** As {@link #open(ElfFile, long)}, logging to {@code log} (for tests). */
  static DwarfInfo open(ElfFile elf, long cacheBytes, System.Logger log) {
    return new DwarfInfo(elf, cacheBytes, log);
  }

  /** Whether the file has a {@code .debug_info} section (it may still prove unreadable). */
  public boolean hasDebugInfo() {
    return sections.has(DwarfSections.INFO);
  }

  /**
   * The source frames at {@code fileAddress} (an address in the file's own address space, before
   * any load bias), innermost first: each inlined function with its file and line, then the
   * function that holds the code, its line that of the outermost inlined call (or of the address
   * when nothing was inlined there). Empty when the DWARF says nothing about the address.
   */
  public synchronized List<SourceFrame> lookup(long fileAddress) {
    if (unusable) {
      return List.of();
    }
    try {
      if (index == null) {
        data = new DwarfData(sections);
        if (data.units.problem() != null) {
          warn(data.units.problem());
        }
        index = UnitIndex.build(data, this::warn);
      }
      for (int unit : index.unitsAt(fileAddress)) {
        UnitTables tables = tables(unit);
        if (tables != null) {
          List<SourceFrame> frames = tables.frames(fileAddress, symbols);
          if (!frames.isEmpty()) {
            return frames;
          }
        }
      }
      return List.of();
    } catch (RuntimeException e) { // DwarfException, or what corrupt data provokes elsewhere
      warn(e.getMessage() == null ? e.toString() : e.getMessage());
      if (index == null) {
        unusable = true;
      }
      return List.of();
    }
  }

  /**
   * Bytes this object holds: the sections read (decompressed), the index, the abbreviation tables
   * and the cached unit tables (estimated from their array sizes).
   */
  public synchronized long memoryBytes() {
    long bytes = sections.loadedBytes() + cachedBytes + symbols.estimatedBytes();
    if (data != null) {
      bytes += data.abbreviationBytes() + 64L * data.units.size();
    }
    if (index != null) {
      bytes += index.estimatedBytes();
    }
    return bytes;
  }

  private UnitTables tables(int unit) {
    UnitTables tables = cache.get(unit);
    if (tables != null || unreadableUnits.get(unit)) {
      return tables;
    }
    try {
      tables = UnitTables.read(data, unit);
    } catch (RuntimeException e) { // DwarfException, or what corrupt data provokes elsewhere
      unreadableUnits.set(unit);
      warn(e.getMessage() == null ? e.toString() : e.getMessage());
      return null;
    }
    long size = tables.estimatedBytes();
    cache.put(unit, tables);
    cachedSizes.put(unit, size);
    cachedBytes += size;
    Iterator<Map.Entry<Integer, UnitTables>> eldest = cache.entrySet().iterator();
    while (cachedBytes > cacheBudget && cache.size() > 1) {
      int dropped = eldest.next().getKey();
      eldest.remove();
      cachedBytes -= cachedSizes.remove(dropped);
    }
    return tables;
  }

  private void warn(String problem) {
    if (!warned) {
      warned = true;
      log.log(
          Level.WARNING,
          "DWARF of "
              + sections.fileName()
              + " is partly unreadable ("
              + problem
              + "); addresses there get no source lines");
    }
  }
}
