package io.leakdetector.uprobes;

import io.leakdetector.StackEnd;
import io.leakdetector.symbols.hotspot.HotSpotFrames;
import io.leakdetector.symbols.hotspot.HotSpotVm;
import io.leakdetector.symbols.hotspot.JavaMethodNames;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.symbols.unwind.StackUnwinder;
import io.leakdetector.symbols.unwind.UnwindMode;
import io.leakdetector.symbols.unwind.UnwindModules;
import io.leakdetector.uprobes.event.ReturnStacks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes each allocation's stack with the unwinder: the target's executable mappings (from {@code
 * /proc/PID/maps} when tracing starts, then from the source's mapping records) with their call
 * frame information, and one {@link StackUnwinder}. In a HotSpot JVM, Java frames are unwound and
 * interpreted ones named with the JVM's own metadata ({@link HotSpotFrames}), found once the JVM
 * has started. Used by the reader thread only.
 */
final class UnwindingStacks implements ReturnStacks, AutoCloseable {
  private final int pid;
  private final UnwindModules modules = new UnwindModules();
  private final StackUnwinder unwinder;
  private final boolean sameRoot;
  private boolean newMappings;
  private long lastMapsRead = System.nanoTime() - MAPS_INTERVAL;
  private long mapsReadOnMiss;
  private boolean mapsLibjvm;
  private HotSpotVm jvm;
  private long lastJvmAttach = System.nanoTime() - JVM_ATTACH_INTERVAL;

  private static final long JVM_ATTACH_INTERVAL = 1_000_000_000L;

  private static final long UNKNOWN_CODE = StackEnd.UNKNOWN_CODE.address();
  private static final long MAPS_INTERVAL = 10_000_000L;

  /**
   * @param kernelChainDepth the most addresses the kernel's callchain of a record holds
   */
  UnwindingStacks(int pid, SourceOptions.Unwind mode, int kernelChainDepth) {
    this.pid = pid;
    this.unwinder = new StackUnwinder(modules, unwindMode(mode), kernelChainDepth);
    this.sameRoot = sameRoot(pid);
  }

  /**
   * The stacks of a source's target as tracing starts: a running process's mappings are read now; a
   * launched command's come as mapping records, from its exec on.
   */
  static UnwindingStacks starting(int pid, SourceOptions options, boolean launched) {
    UnwindingStacks stacks = new UnwindingStacks(pid, options.unwind(), options.maxStack());
    if (!launched) {
      stacks.readMaps();
    }
    return stacks;
  }

  private static UnwindMode unwindMode(SourceOptions.Unwind mode) {
    return switch (mode) {
      case FP -> UnwindMode.FP;
      case DWARF -> UnwindMode.DWARF;
      case AUTO -> UnwindMode.AUTO;
    };
  }

  /** Takes the executable mappings the process has now and compiles their tables while it lives. */
  void readMaps() {
    try {
      for (ProcMapsEntry e : ProcMaps.read(pid)) {
        if (e.isExecutable()) {
          mapped(e.start(), e.end(), e.fileOffset(), e.isFile() ? e.path() : null, e.inode());
        }
      }
      loadNewTables();
    } catch (IOException e) {
      // the process is gone: its mapping records, if any, still come
    }
  }

  /** An executable mapping the source saw made (a file, or anonymous code when path is null). */
  void mapped(long start, long end, long fileOffset, String path, long inode) {
    if (path == null || !path.startsWith("/")) {
      modules.mapAnonymous(start, end); // JIT code, [vdso]: code without a file to read
      return;
    }
    mapsLibjvm |= path.endsWith("/libjvm.so");
    boolean deleted = path.endsWith(" (deleted)");
    String clean = deleted ? path.substring(0, path.length() - " (deleted)".length()) : path;
    modules.map(start, end, fileOffset, clean + "#" + inode, readable(start, end, clean, inode));
    newMappings = true;
  }

  /**
   * Where the mapped file can be read, also after the process's exit: the file at its path when
   * that is still the mapped file (same inode, seen from our root), else the kernel's link to the
   * mapping (while the process lives).
   */
  private Path readable(long start, long end, String path, long inode) {
    Path own = sameRoot ? Path.of(path) : Path.of("/proc/" + pid + "/root" + path);
    try {
      if (inode > 0 && ((Number) Files.getAttribute(own, "unix:ino")).longValue() == inode) {
        return own;
      }
    } catch (IOException | RuntimeException e) {
      // gone or unreadable there: the mapping's own link below
    }
    return Path.of(
        "/proc/" + pid + "/map_files/" + Long.toHexString(start) + "-" + Long.toHexString(end));
  }

  /**
   * Compiles the tables of mappings made since the last call, while the files can still be read
   * through the process (it may exit before a record needs them).
   */
  void loadNewTables() {
    if (newMappings) {
      newMappings = false;
      modules.loadTables();
      tableBytes = modules.tableMemoryBytes();
    }
  }

  /**
   * Memory the call frame information tables take, as the reader last counted it (the modules are
   * the reader's: another thread asking must not walk them).
   */
  long tableMemoryBytes() {
    return tableBytes;
  }

  private volatile long tableBytes;
  private long tableBytesCountedAt;
  private static final long TABLE_BYTES_INTERVAL = 100_000_000L;

  @Override
  public int unwind(
      long ip,
      long sp,
      long bp,
      ByteBuffer stack,
      int stackOffset,
      int stackLength,
      long stackAddress,
      long[] chain,
      int chainLength,
      long[] out) {
    long now = System.nanoTime();
    if (mapsLibjvm && jvm == null && now - lastJvmAttach > JVM_ATTACH_INTERVAL) {
      attachJvm();
    }
    if (now - tableBytesCountedAt > TABLE_BYTES_INTERVAL) {
      tableBytesCountedAt = now; // tables are also compiled on their first lookup
      tableBytes = modules.tableMemoryBytes();
    }
    for (boolean mapsRead = false; ; mapsRead = true) {
      int n =
          unwinder.unwind(
              ip,
              sp,
              bp,
              stack,
              stackOffset,
              stackLength,
              stackAddress,
              chain,
              0,
              chainLength,
              out,
              0,
              out.length);
      if (mapsRead
          || n == 0
          || out[n - 1] != UNKNOWN_CODE
          || System.nanoTime() - lastMapsRead <= MAPS_INTERVAL) {
        return n;
      }
      // Code mapped just before this allocation whose mapping record is not read yet (the
      // records come from other rings): the process's own map says where it lies.
      lastMapsRead = System.nanoTime();
      readMaps();
      mapsReadOnMiss++;
    }
  }

  /**
   * Reads the JVM's layout once it has started (its tables are filled as it initializes: until
   * then, tried again every {@link #JVM_ATTACH_INTERVAL}).
   */
  private void attachJvm() {
    lastJvmAttach = System.nanoTime();
    jvm = HotSpotVm.attach(pid).orElse(null);
    if (jvm != null) {
      unwinder.managedCode(
          HotSpotFrames.of(jvm, JavaMethodNames.of(pid), JavaMethodNames.code(pid)));
    }
  }

  /** Whether Java frames are unwound with the JVM's metadata. */
  boolean javaFramesKnown() {
    return jvm != null;
  }

  @Override
  public void close() {
    if (jvm != null) {
      jvm.close();
    }
  }

  /** How often a return address in unknown code made the reader read the process's map. */
  long mapsReadOnMiss() {
    return mapsReadOnMiss;
  }

  private static boolean sameRoot(int pid) {
    try {
      return Files.isSameFile(Path.of("/proc/" + pid + "/root"), Path.of("/"));
    } catch (IOException e) {
      return true;
    }
  }
}
