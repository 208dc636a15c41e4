package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.dwarf.DwarfInfo;
import io.leakdetector.symbols.elf.ElfFile;
import java.io.IOException;
import java.util.Optional;

/**
 * A module's DWARF, opened on first use from the file that holds it (its separate debug file, else
 * its own file) and kept open. Opened while a debug file is still being fetched, it is opened once
 * more when the fetch ends, so lines come from the better file when it arrives.
 */
final class ModuleDwarf implements AutoCloseable {
  private final ModuleFile module;
  private ElfFile file;
  private DwarfInfo dwarf;
  private boolean opened;
  private boolean openedWhilePending;

  ModuleDwarf(ModuleFile module) {
    this.module = module;
  }

  /** The module's DWARF, or empty when it has none (or its file cannot be read). */
  synchronized Optional<DwarfInfo> get() {
    boolean pending = module.awaitsDebugFile();
    if (!opened || (openedWhilePending && !pending)) {
      closeFile();
      opened = true;
      openedWhilePending = pending;
      Optional<ElfFile> holder = module.debugInfoFile();
      if (holder.isPresent()) {
        file = holder.get();
        dwarf = DwarfInfo.open(file);
      }
    }
    return dwarf != null && dwarf.hasDebugInfo() ? Optional.of(dwarf) : Optional.empty();
  }

  /** Whether lines may still change (a debug file is on its way). */
  synchronized boolean provisional() {
    return openedWhilePending && module.awaitsDebugFile();
  }

  /** Bytes the DWARF reader holds. */
  synchronized long memoryBytes() {
    return dwarf == null ? 0 : dwarf.memoryBytes();
  }

  @Override
  public synchronized void close() {
    closeFile();
    opened = false;
  }

  private void closeFile() {
    dwarf = null;
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // read-only file: nothing to lose
      }
      file = null;
    }
  }
}
