package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSection;
import io.leakdetector.symbols.elf.ElfSymbol;
import io.leakdetector.symbols.elf.MiniDebugInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The symbols of one module's ELF file, and the file that holds its DWARF. A file without {@code
 * .symtab} or without DWARF gets its separate debug file: found on this machine by build id or
 * debug link ({@link DebugFileLocator}), else fetched by build id from debuginfod ({@link
 * DebugFileDownloads}) in the background. Until that download ends the symbols are those of the
 * file itself ({@code .dynsym}, and the {@code .symtab} of its MiniDebugInfo) in a {@linkplain
 * SymbolTable#isProvisional() provisional} table; the first call of {@link #table()} after it ends
 * gives the final one, named from the debug file when one came.
 */
final class ModuleSymbols {

  /**
   * A debug file on its way: the download, and what the table is made of again when it arrives.
   *
   * @param ownSymbols the symbols of the file itself
   * @param ownHasNames whether the file has its own {@code .symtab}
   */
  private record PendingDebugFile(
      CompletableFuture<Optional<Path>> download,
      List<ElfSymbol> ownSymbols,
      boolean ownHasNames) {}

  private final Path ownFile;
  private final String buildId;
  private SymbolTable table;
  private Path debugFile;
  private PendingDebugFile pending;

  private ModuleSymbols(Path ownFile, String buildId) {
    this.ownFile = ownFile;
    this.buildId = buildId;
  }

  /**
   * Reads the symbols of {@code elf} (opened from {@code file}) and looks for its debug file.
   *
   * @param pathInTarget the file's path as the target sees it, for the debug link's folders
   * @throws UncheckedIOException when the file's own symbol tables cannot be read
   */
  static ModuleSymbols read(
      Path file,
      ElfFile elf,
      String pathInTarget,
      DebugFileLocator locator,
      DebugFileDownloads downloads) {
    ModuleSymbols module = new ModuleSymbols(file, elf.buildId().orElse(""));
    List<ElfSymbol> own = elf.symbols();
    boolean hasNames = elf.hasSymbolTable();
    if (hasNames && hasDwarf(elf)) {
      module.table = SymbolTable.of(own);
      return module;
    }
    Optional<ElfFile> local = locator.find(elf, pathInTarget);
    if (local.isPresent()) {
      try (ElfFile debug = local.get()) {
        module.debugFile = debug.path();
        module.table = SymbolTable.of(withDebugSymbols(own, hasNames, debug));
      } catch (IOException e) {
        // closing failed: what was read stands
      }
      return module;
    }
    List<ElfSymbol> found = hasNames ? own : withMiniDebugInfo(own, elf);
    module.table = SymbolTable.of(found).provisional(true);
    module.pending = new PendingDebugFile(downloads.request(module.buildId), own, hasNames);
    module.table(); // a file from the cache (or lookups off) ends the wait at once
    return module;
  }

  /** The table: provisional while the debug file is on its way, final once the lookup ended. */
  synchronized SymbolTable table() {
    if (pending != null && pending.download().isDone()) {
      finishPending();
    }
    return table;
  }

  /** Whether the module's debug file is still being fetched. */
  synchronized boolean awaitsDebugFile() {
    return pending != null && !pending.download().isDone();
  }

  /** The separate debug file in use, if any (found here or fetched). */
  synchronized Optional<Path> debugFile() {
    return Optional.ofNullable(debugFile);
  }

  /**
   * Opens the file that holds the module's DWARF: its separate debug file when there is one, else
   * its own file (which may have no DWARF either). The caller closes it. Empty when that file can
   * no longer be read or no longer has the module's build id (a file reached only through {@code
   * /proc/PID/map_files} after the target's exit). While a download is pending this is the own
   * file.
   */
  synchronized Optional<ElfFile> debugInfoFile() {
    table(); // takes a debug file that arrived
    Path file = debugFile != null ? debugFile : ownFile;
    ElfFile elf = null;
    try {
      elf = ElfFile.open(file);
      if (buildId.equals(elf.buildId().orElse(""))) {
        return Optional.of(elf);
      }
    } catch (IOException | RuntimeException e) {
      // unreadable now: no file
    }
    closeQuietly(elf);
    return Optional.empty();
  }

  /** The download ended: the table made again with the debug file it brought, or kept. */
  private void finishPending() {
    PendingDebugFile ended = pending;
    pending = null;
    Optional<Path> file = ended.download().getNow(Optional.empty());
    if (file.isPresent()) {
      try (ElfFile debug = ElfFile.open(file.get())) {
        // The downloader checked it; a file replaced in the cache since is not taken on trust.
        if (buildId.equals(debug.buildId().orElse(""))) {
          debugFile = file.get();
          table = SymbolTable.of(withDebugSymbols(ended.ownSymbols(), ended.ownHasNames(), debug));
          return;
        }
      } catch (IOException | RuntimeException e) {
        // keep the symbols there are
      }
    }
    table = table.provisional(false);
  }

  private static boolean hasDwarf(ElfFile elf) {
    return elf.section(".debug_info").filter(ElfSection::hasFileBytes).isPresent()
        || elf.section(".zdebug_info").filter(ElfSection::hasFileBytes).isPresent();
  }

  /** The file's own symbols, and the debug file's when the file has no {@code .symtab}. */
  private static List<ElfSymbol> withDebugSymbols(
      List<ElfSymbol> own, boolean ownHasNames, ElfFile debug) {
    if (ownHasNames) {
      return own;
    }
    List<ElfSymbol> all = new ArrayList<>(own);
    try {
      all.addAll(debug.symbols());
    } catch (UncheckedIOException e) {
      // an unreadable debug file names nothing more
    }
    return all;
  }

  /** {@code .dynsym} and the {@code .symtab} of {@code .gnu_debugdata}, if the file has one. */
  private static List<ElfSymbol> withMiniDebugInfo(List<ElfSymbol> own, ElfFile elf) {
    try {
      Optional<ElfFile> mini = MiniDebugInfo.open(elf);
      if (mini.isEmpty()) {
        return own;
      }
      try (ElfFile m = mini.get()) {
        List<ElfSymbol> all = new ArrayList<>(own);
        all.addAll(m.symbols());
        return all;
      }
    } catch (IOException | UncheckedIOException e) {
      return own; // a corrupt .gnu_debugdata takes nothing from .dynsym
    }
  }

  private static void closeQuietly(ElfFile file) {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }
}
