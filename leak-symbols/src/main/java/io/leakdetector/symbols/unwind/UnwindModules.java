package io.leakdetector.symbols.unwind;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSegment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The executable mappings of one traced process, for the unwinder: which module holds an address,
 * that module's {@link CfiTable} and its load bias. Mappings of one file share one table, compiled
 * on the first lookup that needs it and dropped when the file's last mapping goes. A file that
 * cannot be read, or has no call frame information, has no table; so has anonymous executable
 * memory (JIT code): the unwinder uses the frame-pointer rule there.
 *
 * <p>Not thread-safe: one thread (the source's reader) reports mappings and unwinds. A lookup
 * allocates nothing once the table it needs is compiled.
 */
public final class UnwindModules {

  /** Finds the separate debug file of a module, for {@code .debug_frame}. */
  @FunctionalInterface
  public interface DebugFiles {
    /**
     * @param file the module, open
     * @param pathKey the key the module was mapped with
     * @return the debug file's path, if there is one
     */
    Optional<Path> find(ElfFile file, String pathKey);
  }

  /** What one module file gave the unwinder. */
  public record ModuleState(
      String pathKey, boolean loaded, int rows, long memoryBytes, String sources, String problem) {}

  /** Compiles the table of a module file; the test seam. */
  @FunctionalInterface
  interface CfiLoader {
    /**
     * @return the table (null without call frame information) and the file's program headers
     * @throws IOException when the file cannot be read
     */
    LoadedCfi load(String pathKey, Path file) throws IOException;
  }

  record LoadedCfi(CfiTable table, List<ElfSegment> segments) {}

  private static final class Module {
    final String pathKey;
    final Path file;
    int mappings;
    boolean loaded;
    CfiTable table;
    List<ElfSegment> segments = List.of();
    String problem;

    Module(String pathKey, Path file) {
      this.pathKey = pathKey;
      this.file = file;
    }
  }

  private static final class Mapping {
    final long start;
    final long end;
    final long fileOffset;
    final Module module; // null: anonymous
    boolean biasKnown;
    long bias;
    CfiTable table; // with the bias known: the module's table, or null

    Mapping(long start, long end, long fileOffset, Module module) {
      this.start = start;
      this.end = end;
      this.fileOffset = fileOffset;
      this.module = module;
    }
  }

  private static final double DEBUG_FILE_BELOW_COVERAGE = 0.5;

  private final CfiLoader loader;
  private final TreeMap<Long, Mapping> byStart = new TreeMap<>(Long::compareUnsigned);
  private final Map<String, Module> modules = new HashMap<>();

  private boolean dirty = true;
  private long[] starts = new long[0];
  private long[] ends = new long[0];
  private Mapping[] mappings = new Mapping[0];
  private int lastHit;

  /** Modules read from their ELF files, without separate debug files. */
  public UnwindModules() {
    this(NO_DEBUG_FILES);
  }

  /**
   * Modules read from their ELF files; {@code debugFiles} is asked for a module whose {@code
   * .eh_frame} covers less than half its code and which has no {@code .debug_frame} of its own.
   */
  public UnwindModules(DebugFiles debugFiles) {
    this.loader = (pathKey, file) -> loadElf(pathKey, file, debugFiles);
  }

  private UnwindModules(CfiLoader loader) {
    this.loader = loader;
  }

  /** Modules whose tables come from {@code loader}; for tests. */
  static UnwindModules withLoader(CfiLoader loader) {
    return new UnwindModules(loader);
  }

  private static final DebugFiles NO_DEBUG_FILES = (file, pathKey) -> Optional.empty();

  /**
   * Records an executable mapping; it replaces whatever it overlaps, as mmap does.
   *
   * @param start its first address
   * @param end the address just past it
   * @param fileOffset the file offset mapped at {@code start}
   * @param pathKey identifies the file (mappings with one key share one table); {@code null} for
   *     anonymous executable memory (JIT code)
   * @param readableFile where to read the file, e.g. {@code /proc/PID/map_files/START-END}; only
   *     read on the first lookup in it; {@code null} when it cannot be read
   */
  public void map(long start, long end, long fileOffset, String pathKey, Path readableFile) {
    if (Long.compareUnsigned(start, end) >= 0) {
      return;
    }
    unmap(start, end);
    Module module = null;
    if (pathKey != null) {
      module = modules.computeIfAbsent(pathKey, key -> new Module(key, readableFile));
      module.mappings++;
    }
    byStart.put(start, new Mapping(start, end, fileOffset, module));
    dirty = true;
  }

  /** Records anonymous executable memory (JIT code): code, but no unwind table. */
  public void mapAnonymous(long start, long end) {
    map(start, end, 0, null, null);
  }

  /** Forgets {@code [start, end)}; mappings overlapping it keep their parts outside. */
  public void unmap(long start, long end) {
    if (Long.compareUnsigned(start, end) >= 0) {
      return;
    }
    List<Mapping> overlapping = new ArrayList<>(2);
    Map.Entry<Long, Mapping> below = byStart.lowerEntry(start);
    if (below != null && Long.compareUnsigned(below.getValue().end, start) > 0) {
      overlapping.add(below.getValue());
    }
    for (Mapping m : byStart.subMap(start, true, end, false).values()) {
      overlapping.add(m);
    }
    for (Mapping m : overlapping) {
      byStart.remove(m.start);
      if (Long.compareUnsigned(m.start, start) < 0) {
        keep(m, m.start, start);
      }
      if (Long.compareUnsigned(m.end, end) > 0) {
        keep(m, end, m.end);
      }
      release(m.module); // after the parts kept took their references
    }
    if (!overlapping.isEmpty()) {
      dirty = true;
    }
  }

  /** Forgets every mapping (the process ran a new program). */
  public void clear() {
    byStart.clear();
    modules.clear();
    dirty = true;
  }

  private void keep(Mapping m, long from, long to) {
    if (m.module != null) {
      m.module.mappings++;
    }
    byStart.put(from, new Mapping(from, to, m.fileOffset + (from - m.start), m.module));
  }

  private void release(Module module) {
    if (module != null && --module.mappings == 0) {
      modules.remove(module.pathKey);
    }
  }

  /** Compiles the tables of every mapped file now, not on first use; returns how many exist. */
  public int loadTables() {
    refresh();
    int tables = 0;
    for (int i = 0; i < mappings.length; i++) {
      if (tableOf(i) != null) {
        tables++;
      }
    }
    return tables;
  }

  /** The heap the compiled tables take. */
  public long tableMemoryBytes() {
    long bytes = 0;
    for (Module m : modules.values()) {
      if (m.table != null) {
        bytes += m.table.memoryBytes();
      }
    }
    return bytes;
  }

  /** Every mapped file and what its table is (or why it has none), by path key. */
  public List<ModuleState> modules() {
    List<ModuleState> states = new ArrayList<>();
    for (Module m : modules.values()) {
      CfiTable t = m.table;
      states.add(
          new ModuleState(
              m.pathKey,
              m.loaded,
              t == null ? 0 : t.rowCount(),
              t == null ? 0 : t.memoryBytes(),
              t == null ? "" : t.statistics().sources(),
              m.problem));
    }
    return states;
  }

  /** Whether {@code address} lies in an executable mapping. */
  public boolean isExecutable(long address) {
    return indexOf(address) >= 0;
  }

  // ---------------------------------------------------------------- the unwinder's lookups

  /** The index of the mapping holding {@code address}, or −1. */
  int indexOf(long address) {
    refresh();
    int last = lastHit;
    if (last < starts.length
        && Long.compareUnsigned(address - starts[last], ends[last] - starts[last]) < 0) {
      return last;
    }
    int lo = 0;
    int hi = starts.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(starts[mid], address) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    int found = lo - 1;
    if (found >= 0
        && Long.compareUnsigned(address - starts[found], ends[found] - starts[found]) < 0) {
      lastHit = found;
      return found;
    }
    return -1;
  }

  /**
   * The rule for {@code address} in mapping {@code index} (from {@link #indexOf}), {@link
   * CfiRule#NONE} where the mapping's file has no table or no rule for it.
   */
  long rule(int index, long address) {
    Mapping m = mappings[index];
    CfiTable table = m.biasKnown ? m.table : tableOf(index);
    return table == null ? CfiRule.NONE : table.rule(address - m.bias);
  }

  /** The table of mapping {@code index}, compiling its file's on first use. */
  private CfiTable tableOf(int index) {
    Mapping m = mappings[index];
    if (!m.biasKnown) {
      m.biasKnown = true;
      Module module = m.module;
      if (module != null) {
        load(module);
        OptionalLong vaddr = ElfSegment.vaddrOf(module.segments, m.fileOffset);
        if (module.table != null && vaddr.isPresent()) {
          m.bias = m.start - vaddr.getAsLong();
          m.table = module.table;
        }
      }
    }
    return m.table;
  }

  private void load(Module module) {
    if (module.loaded) {
      return;
    }
    module.loaded = true;
    if (module.file == null) {
      module.problem = "no readable file";
      return;
    }
    try {
      LoadedCfi loaded = loader.load(module.pathKey, module.file);
      module.segments = loaded.segments();
      module.table = loaded.table();
      if (module.table == null) {
        module.problem = "no call frame information";
      } else if (!module.table.architecture().isX86()) {
        // the tables hold aarch64 rules, but the unwinder reads x86-64 registers only
        module.table = null;
        module.problem = "unwinding is implemented for x86-64 only";
      }
    } catch (IOException | RuntimeException e) {
      module.problem = e.getMessage() == null ? e.toString() : e.getMessage();
    }
  }

  private void refresh() {
    if (!dirty) {
      return;
    }
    int n = byStart.size();
    starts = new long[n];
    ends = new long[n];
    mappings = new Mapping[n];
    int i = 0;
    for (Mapping m : byStart.values()) {
      starts[i] = m.start;
      ends[i] = m.end;
      mappings[i] = m;
      i++;
    }
    lastHit = 0;
    dirty = false;
  }

  // ---------------------------------------------------------------- reading ELF files

  static LoadedCfi loadElf(String pathKey, Path file, DebugFiles debugFiles) throws IOException {
    try (ElfFile elf = ElfFile.open(file)) {
      CfiTable table = CfiTable.build(elf);
      if (elf.section(".debug_frame").isEmpty()
          && table.coveredBytes() < DEBUG_FILE_BELOW_COVERAGE * codeBytes(elf)) {
        Optional<Path> debugPath = debugFiles.find(elf, pathKey);
        if (debugPath.isPresent()) {
          try (ElfFile debug = ElfFile.open(debugPath.get())) {
            table = CfiTable.build(elf, debug);
          } catch (IOException e) {
            // the module's own table stands
          }
        }
      }
      return new LoadedCfi(table.isEmpty() ? null : table, elf.segments());
    }
  }

  private static long codeBytes(ElfFile elf) {
    long bytes = 0;
    for (ElfSegment s : elf.loadSegments()) {
      if (s.isExecutable()) {
        bytes += s.memorySize();
      }
    }
    return bytes;
  }
}
