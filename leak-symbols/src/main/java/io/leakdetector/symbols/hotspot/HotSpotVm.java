package io.leakdetector.symbols.hotspot;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A running HotSpot JVM seen from outside: found through {@code libjvm.so}'s exported symbols, its
 * layout read from its {@link VmStructs}, its memory read through {@code /proc/PID/mem}; its code
 * ({@link #codeCache()}), its methods' names ({@link #methods()}) and its flags. Nothing is loaded
 * into the JVM. Used by one thread at a time.
 */
public final class HotSpotVm implements AutoCloseable {
  private final ProcessMemory memory;
  private final HotSpotLayout layout;

  private final CodeCache codeCache;
  private final JavaMethods methods;

  private HotSpotVm(ProcessMemory memory, HotSpotLayout layout) {
    this.memory = memory;
    this.layout = layout;
    this.methods = new JavaMethods(this);
    this.codeCache = new CodeCache(this, methods);
  }

  /**
   * The JVM in process {@code pid}, or empty when the process maps no {@code libjvm.so} or its
   * tables cannot be read yet (a JVM still starting: try again later).
   */
  public static Optional<HotSpotVm> attach(long pid) {
    try {
      ProcMapsEntry libjvm = null;
      for (ProcMapsEntry e : ProcMaps.read(pid)) {
        if (e.isFile() && e.path().endsWith("/libjvm.so") && e.fileOffset() == 0) {
          libjvm = e;
          break;
        }
      }
      if (libjvm == null) {
        return Optional.empty();
      }
      Path path = Path.of("/proc/" + pid + "/root" + libjvm.path());
      if (!Files.isReadable(path)) {
        path = Path.of("/proc/" + pid + "/map_files/" + libjvm.mapFilesName());
      }
      ProcessMemory memory = ProcessMemory.open(pid);
      try (ElfFile elf = ElfFile.open(path)) {
        OptionalLong bias = elf.loadBias(libjvm.start(), libjvm.fileOffset());
        if (bias.isEmpty()) {
          memory.close();
          return Optional.empty();
        }
        long loadBias = bias.getAsLong();
        VmStructs structs =
            VmStructs.read(
                memory,
                name ->
                    elf.findSymbol(name).map(ElfSymbol::value).map(v -> v + loadBias).orElse(0L));
        HotSpotLayout layout = structs == null ? null : HotSpotLayout.of(structs);
        if (layout == null) {
          memory.close();
          return Optional.empty();
        }
        return Optional.of(new HotSpotVm(memory, layout));
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The offsets this JVM exports. */
  public HotSpotLayout layout() {
    return layout;
  }

  /** Where the JVM's code lies and what it is. */
  public CodeCache codeCache() {
    return codeCache;
  }

  /** The names of the JVM's methods. */
  public JavaMethods methods() {
    return methods;
  }

  /** The target's memory, for the caller's thread only. */
  public ProcessMemory memory() {
    return memory;
  }

  /** A boolean command-line flag's value ({@code PreserveFramePointer}), or empty if unknown. */
  public Optional<Boolean> booleanFlag(String name) {
    long array = readPointer(layout.flags());
    long count = readPointer(layout.flagCount());
    if (array == 0 || count <= 0 || count > 10_000) {
      return Optional.empty();
    }
    ByteBuffer table = memory.bytes(array, (int) (count * layout.flagSize()));
    if (table == null) {
      return Optional.empty();
    }
    for (int i = 0; i < count; i++) {
      long entry = i * layout.flagSize();
      long namePointer = table.getLong((int) (entry + layout.flagName()));
      if (namePointer == 0) {
        continue;
      }
      String flag = memory.cString(namePointer, 128);
      if (name.equals(flag)) {
        ByteBuffer value = memory.bytes(table.getLong((int) (entry + layout.flagAddress())), 1);
        return value == null ? Optional.empty() : Optional.of(value.get(0) != 0);
      }
    }
    return Optional.empty();
  }

  /** The pointer at {@code address}, or 0 where it cannot be read. */
  long readPointer(long address) {
    return address != 0 && memory.readWord(address) ? memory.value() : 0;
  }

  @Override
  public void close() {
    memory.close();
  }
}
