package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.elf.ElfFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One file mapped into the target, as it was when captured: its path, identity (inode, size,
 * modification time), layout and build id. Its symbols are read on first use, from the very file
 * that was mapped: through {@code /proc/PID/map_files/} while the target lives, else from its path
 * only when the file there still has the captured identity and build id. A file that was deleted or
 * replaced is named so ({@code libfoo.so (deleted)}, {@code (replaced)}) and is never read for
 * symbols from its replacement. A stripped file is named from its separate debug file or its
 * MiniDebugInfo ({@link ModuleSymbols}).
 */
final class ModuleFile {

  /** Whether the file at the module's path is still the file that was mapped. */
  enum Status {
    PRESENT(""),
    DELETED(" (deleted)"),
    REPLACED(" (replaced)");

    final String suffix;

    Status(String suffix) {
      this.suffix = suffix;
    }
  }

  private final String path;
  private final String fileName;
  private final FileIdentity identity;
  private final DebugFileDownloads downloads;
  private volatile ModuleLayout layout;
  private volatile Status status;

  /** Null until read, and when there are no symbols to read. */
  private ModuleSymbols symbols;

  private boolean loaded;
  private final ModuleDwarf dwarf = new ModuleDwarf(this);

  private ModuleFile(
      String path,
      FileIdentity identity,
      ModuleLayout layout,
      Status status,
      DebugFileDownloads downloads) {
    this.path = path;
    int slash = path.lastIndexOf('/');
    this.fileName = slash >= 0 ? path.substring(slash + 1) : path;
    this.identity = identity;
    this.layout = layout;
    this.status = status;
    this.downloads = downloads;
  }

  /**
   * Captures a mapped file while the target lives.
   *
   * @param mapsInode the inode {@code /proc/PID/maps} gives, or -1 when unknown
   * @param markedDeleted whether the kernel marked the mapping {@code (deleted)}
   * @param downloads fetches a debug file missing here
   */
  static ModuleFile capture(
      TargetState target,
      String path,
      long start,
      long end,
      long mapsInode,
      boolean markedDeleted,
      DebugFileDownloads downloads) {
    Path mapped = target.mapFile(start, end);
    // After the target's exit (a late report from the source) only our own view is left.
    Path throughRoot =
        target.alive() ? target.throughRoot(path) : target.sharesOurRoot() ? Path.of(path) : null;
    FileIdentity atPath = throughRoot == null ? null : FileIdentity.of(throughRoot).orElse(null);
    FileIdentity identity = FileIdentity.of(mapped).orElse(null);
    boolean mapFileReadable = identity != null;
    if (identity == null
        && atPath != null
        && !markedDeleted
        && (mapsInode < 0 || atPath.inode() == mapsInode)) {
      identity = atPath;
    }
    Status status;
    if (markedDeleted || atPath == null) {
      status = Status.DELETED;
    } else if (identity == null
        || !identity.equals(atPath)
        || (mapsInode >= 0 && atPath.inode() != mapsInode)) {
      status = Status.REPLACED;
    } else {
      status = Status.PRESENT;
    }
    Path source = mapFileReadable ? mapped : status == Status.PRESENT ? throughRoot : null;
    ModuleLayout layout = null;
    if (source != null) {
      try (ElfFile elf = ElfFile.open(source)) {
        layout = ModuleLayout.of(elf);
      } catch (IOException | RuntimeException e) {
        // Not ELF or unreadable: the module is named, its addresses are given as offsets.
      }
    }
    ModuleFile module = new ModuleFile(path, identity, layout, status, downloads);
    // Read now what cannot be read once the target is gone: a file only reachable through
    // map_files, or a file inside another mount namespace.
    if (source != null && layout != null && (status != Status.PRESENT || !target.sharesOurRoot())) {
      module.loadFrom(source, new DebugFileLocator(target.root()), false);
    }
    return module;
  }

  String path() {
    return path;
  }

  /** The file's name, with {@code (deleted)} or {@code (replaced)} when it is. */
  String displayName() {
    return fileName + status.suffix;
  }

  Status status() {
    return status;
  }

  FileIdentity identity() {
    return identity;
  }

  ModuleLayout layout() {
    return layout;
  }

  /** Whether this is the file now at {@code current} (same identity). */
  boolean isFile(FileIdentity current) {
    return identity != null && identity.equals(current);
  }

  /**
   * The module's symbols, read on first call; provisional while its debug file is being fetched.
   *
   * @param mappedRange the range of one of its mappings, for {@code /proc/PID/map_files}
   */
  synchronized SymbolTable symbols(TargetState target, long rangeStart, long rangeEnd) {
    if (loaded) {
      return table();
    }
    if (target.alive()) {
      Path mapped = target.mapFile(rangeStart, rangeEnd);
      if (identity != null && isFile(FileIdentity.of(mapped).orElse(null))) {
        loadFrom(mapped, new DebugFileLocator(target.root()), false);
        FileIdentity atPath = FileIdentity.of(target.throughRoot(path)).orElse(null);
        if (status == Status.PRESENT && atPath == null) {
          status = Status.DELETED;
        } else if (status == Status.PRESENT && !identity.equals(atPath)) {
          status = Status.REPLACED;
        }
        return table();
      }
    }
    if (status != Status.PRESENT || identity == null) {
      return loadedWithoutSymbols();
    }
    Path file = target.alive() ? target.throughRoot(path) : hostPath(target);
    if (file == null) {
      return loadedWithoutSymbols();
    }
    Optional<FileIdentity> now = FileIdentity.of(file);
    if (now.isEmpty()) {
      status = Status.DELETED;
      return loadedWithoutSymbols();
    }
    if (!identity.equals(now.get())) {
      status = Status.REPLACED;
      return loadedWithoutSymbols();
    }
    Path root = target.alive() ? target.root() : Path.of("/");
    loadFrom(file, new DebugFileLocator(root), true);
    return table();
  }

  /**
   * Opens the file that holds this module's DWARF: its separate debug file when one was found on
   * this machine or fetched from debuginfod, else the module's own file. The caller closes it.
   * Empty before {@link #symbols} first read the module, and when the file can no longer be read
   * (see {@link ModuleSymbols#debugInfoFile()}).
   */
  synchronized Optional<ElfFile> debugInfoFile() {
    return symbols == null ? Optional.empty() : symbols.debugInfoFile();
  }

  /** The module's DWARF (lines and inlined functions), opened on first use. */
  ModuleDwarf dwarf() {
    return dwarf;
  }

  /** Whether the module's debug file is still being fetched (a better DWARF file may come). */
  synchronized boolean awaitsDebugFile() {
    return symbols != null && symbols.awaitsDebugFile();
  }

  private SymbolTable table() {
    return symbols == null ? SymbolTable.EMPTY : symbols.table();
  }

  private Path hostPath(TargetState target) {
    return target.sharesOurRoot() ? Path.of(path) : null;
  }

  private SymbolTable loadedWithoutSymbols() {
    symbols = null;
    loaded = true;
    return SymbolTable.EMPTY;
  }

  /** Reads the symbols of {@code file}, with its separate debug file or MiniDebugInfo. */
  private synchronized void loadFrom(Path file, DebugFileLocator locator, boolean checkBuildId) {
    try (ElfFile elf = ElfFile.open(file)) {
      String buildId = elf.buildId().orElse("");
      if (checkBuildId && layout != null && !layout.buildId().equals(buildId)) {
        status = Status.REPLACED;
        loadedWithoutSymbols();
        return;
      }
      if (layout == null) {
        layout = ModuleLayout.of(elf);
      }
      symbols = ModuleSymbols.read(file, elf, path, locator, downloads);
      loaded = true;
    } catch (IOException | RuntimeException e) {
      loadedWithoutSymbols();
    }
  }
}
