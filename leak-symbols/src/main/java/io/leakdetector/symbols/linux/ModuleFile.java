package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One file mapped into the target, as it was when captured: its path, identity (inode, size,
 * modification time), layout and build id. Its symbols are read on first use, from the very file
 * that was mapped: through {@code /proc/PID/map_files/} while the target lives, else from its path
 * only when the file there still has the captured identity and build id. A file that was deleted or
 * replaced is named so ({@code libfoo.so (deleted)}, {@code (replaced)}) and is never read for
 * symbols from its replacement.
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
  private volatile ModuleLayout layout;
  private volatile Status status;
  private SymbolTable symbols;
  private boolean loaded;

  private ModuleFile(String path, FileIdentity identity, ModuleLayout layout, Status status) {
    this.path = path;
    int slash = path.lastIndexOf('/');
    this.fileName = slash >= 0 ? path.substring(slash + 1) : path;
    this.identity = identity;
    this.layout = layout;
    this.status = status;
  }

  /**
   * Captures a mapped file while the target lives.
   *
   * @param mapsInode the inode {@code /proc/PID/maps} gives, or -1 when unknown
   * @param markedDeleted whether the kernel marked the mapping {@code (deleted)}
   */
  static ModuleFile capture(
      TargetState target,
      String path,
      long start,
      long end,
      long mapsInode,
      boolean markedDeleted) {
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
    ModuleFile module = new ModuleFile(path, identity, layout, status);
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
   * The module's symbols, read on first call.
   *
   * @param mappedRange the range of one of its mappings, for {@code /proc/PID/map_files}
   */
  synchronized SymbolTable symbols(TargetState target, long rangeStart, long rangeEnd) {
    if (loaded) {
      return symbols;
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
        return symbols;
      }
    }
    if (status != Status.PRESENT || identity == null) {
      return markLoaded(SymbolTable.EMPTY);
    }
    Path file = target.alive() ? target.throughRoot(path) : hostPath(target);
    if (file == null) {
      return markLoaded(SymbolTable.EMPTY);
    }
    Optional<FileIdentity> now = FileIdentity.of(file);
    if (now.isEmpty()) {
      status = Status.DELETED;
      return markLoaded(SymbolTable.EMPTY);
    }
    if (!identity.equals(now.get())) {
      status = Status.REPLACED;
      return markLoaded(SymbolTable.EMPTY);
    }
    Path root = target.alive() ? target.root() : Path.of("/");
    loadFrom(file, new DebugFileLocator(root), true);
    return symbols;
  }

  private Path hostPath(TargetState target) {
    return target.sharesOurRoot() ? Path.of(path) : null;
  }

  private SymbolTable markLoaded(SymbolTable table) {
    symbols = table;
    loaded = true;
    return table;
  }

  /** Reads the symbols of {@code file} (and of its separate debug file, if it is stripped). */
  private synchronized void loadFrom(Path file, DebugFileLocator locator, boolean checkBuildId) {
    try (ElfFile elf = ElfFile.open(file)) {
      String buildId = elf.buildId().orElse("");
      if (checkBuildId && layout != null && !layout.buildId().equals(buildId)) {
        status = Status.REPLACED;
        markLoaded(SymbolTable.EMPTY);
        return;
      }
      if (layout == null) {
        layout = ModuleLayout.of(elf);
      }
      List<ElfSymbol> all = new ArrayList<>(elf.symbols());
      if (!elf.hasSymbolTable()) {
        Optional<ElfFile> debug = locator.find(elf, path);
        if (debug.isPresent()) {
          try (ElfFile d = debug.get()) {
            all.addAll(d.symbols());
          }
        }
      }
      markLoaded(SymbolTable.of(all));
    } catch (IOException | RuntimeException e) {
      markLoaded(SymbolTable.EMPTY);
    }
  }
}
