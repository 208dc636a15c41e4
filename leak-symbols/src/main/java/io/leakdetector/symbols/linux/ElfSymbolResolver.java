package io.leakdetector.symbols.linux;

import io.leakdetector.Frame;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.symbols.demangle.Demangler;
import io.leakdetector.symbols.dwarf.SourceFrame;
import io.leakdetector.symbols.hotspot.CodeName;
import io.leakdetector.symbols.hotspot.HotSpotFrames;
import io.leakdetector.symbols.hotspot.HotSpotVm;
import io.leakdetector.symbols.hotspot.JavaFrame;
import io.leakdetector.symbols.hotspot.JavaMethod;
import io.leakdetector.symbols.hotspot.JavaMethodNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Resolves addresses of one Linux process to frames from its ELF files. The module map is captured
 * from {@code /proc/PID/maps} when the resolver opens, extended by the source's {@link
 * #onModuleMapped} reports and by {@link #refresh()}, and kept after the process exits. Symbols are
 * read per module on first use; frames are cached per address, except those of a module whose debug
 * file is still being fetched (debuginfod): they are resolved again until it arrives, and then
 * named from it.
 */
public final class ElfSymbolResolver implements SymbolResolver {
  /** Top bit set: the kernel half of the address space (x86-64 and aarch64). */
  private static final long KERNEL_START = 0x8000_0000_0000_0000L;

  /** A failed lookup re-reads the map at most this often while the process lives. */
  private static final long MISS_REFRESH_NANOS = 200_000_000L;

  private static final int MAX_CACHED_FRAMES = 1 << 20;

  private final TargetState target;
  private final boolean includeKernelFrames;
  private final Path kallsyms;
  private final DebugFileDownloads downloads;
  private final ModuleMap map = new ModuleMap();
  private final Map<String, List<ModuleFile>> filesByPath = new HashMap<>();
  private final Map<Long, List<Frame>> cache = new HashMap<>();
  private final AtomicBoolean mapChanged = new AtomicBoolean();
  private final JitCode jit;
  private KernelSymbols kernelSymbols;
  private long lastMapsRead;
  private volatile boolean mapsLibjvm;
  private int jitGeneration;
  private HotSpotVm jvm;

  private ElfSymbolResolver(
      TargetState target,
      boolean includeKernelFrames,
      Path kallsyms,
      DebugFileDownloads downloads) {
    this.target = target;
    this.includeKernelFrames = includeKernelFrames;
    this.kallsyms = kallsyms;
    this.downloads = downloads;
    this.jit = JitCode.of(target);
  }

  /**
   * Opens a resolver for a live process and captures its module map now. Debug files are looked up
   * on this machine only (no debuginfod; the {@code elf} provider adds it).
   *
   * @throws java.nio.file.NoSuchFileException when the process does not exist
   * @throws java.nio.file.AccessDeniedException when its map may not be read
   */
  public static ElfSymbolResolver open(long pid, boolean includeKernelFrames) throws IOException {
    return open(pid, includeKernelFrames, Path.of("/proc/kallsyms"), DebugFileDownloads.off());
  }

  /**
   * @param downloads fetches missing debug files; the resolver closes it
   */
  static ElfSymbolResolver open(
      long pid, boolean includeKernelFrames, Path kallsyms, DebugFileDownloads downloads)
      throws IOException {
    try {
      TargetState target = TargetState.capture(pid);
      ElfSymbolResolver resolver =
          new ElfSymbolResolver(target, includeKernelFrames, kallsyms, downloads);
      resolver.readMaps(ProcMaps.read(pid));
      return resolver;
    } catch (IOException | RuntimeException e) {
      downloads.close();
      throw e;
    }
  }

  /** The process id. */
  public long pid() {
    return target.pid();
  }

  @Override
  public Frame resolve(long address) {
    List<Frame> frames = resolveWithInlines(address);
    return frames.get(frames.size() - 1);
  }

  /**
   * The frames at a return address: symbol and source line are those of the call instruction
   * (address − 1), as debuggers show a caller's frame; the offset printed is the address's own.
   * Inlined functions come first, each with the line where it was inlined into the next.
   */
  @Override
  public List<Frame> resolveWithInlines(long address) {
    if (mapChanged.getAndSet(false)) {
      cache.clear();
    }
    List<Frame> cached = cache.get(address);
    if (cached != null) {
      return cached;
    }
    if (HotSpotFrames.isInterpretedFrame(address)) {
      return interpretedFrame(address);
    }
    return address < 0 ? remember(address, kernelFrame(address)) : userFrames(address);
  }

  /**
   * A frame the JVM's interpreter ran: named by its method, which the source's unwinder read while
   * the JVM lived ({@link JavaMethodNames}), else read now; its offset is the bytecode index.
   */
  private synchronized List<Frame> interpretedFrame(long address) {
    long method = HotSpotFrames.method(address);
    int bci = HotSpotFrames.bytecodeIndexOf(address);
    JavaMethod met = method == 0 ? null : JavaMethodNames.of(target.pid()).get(method);
    if (met == null && method != 0 && target.alive()) {
      if (jvm == null) {
        jvm = HotSpotVm.attach(target.pid()).orElse(null);
      }
      met = jvm == null ? null : jvm.methods().method(method);
    }
    String name = met == null ? null : met.name();
    String function =
        name != null
            ? name
            : method == 0 ? "[method beyond the stack copy]" : "[method not readable]";
    Frame frame =
        new Frame(
            address,
            Frame.INTERPRETED_MODULE,
            name,
            Math.max(bci, 0),
            false,
            function,
            met == null ? null : met.lines().file(),
            met == null || bci < 0 ? 0 : met.lines().line(bci),
            false);
    return name != null || method == 0 ? remember(address, frame) : List.of(frame);
  }

  /** Keeps the frame for later lookups of the address. */
  private List<Frame> remember(long address, Frame frame) {
    return remember(address, List.of(frame));
  }

  private List<Frame> remember(long address, List<Frame> frames) {
    if (cache.size() >= MAX_CACHED_FRAMES) {
      cache.clear();
    }
    cache.put(address, frames);
    return frames;
  }

  @Override
  public void onModuleMapped(ModuleMapping mapping) {
    String path = mapping.path();
    if (path == null || mapping.end() == mapping.start()) {
      return;
    }
    if ((!path.startsWith("/") && !isSpecial(path)) || path.equals("//anon")) {
      // Anonymous memory over an old module: that module is gone from these addresses.
      map.clear(mapping.start(), mapping.end());
      mapChanged.set(true);
      return;
    }
    boolean deleted = path.endsWith(" (deleted)");
    String clean = deleted ? path.substring(0, path.length() - " (deleted)".length()) : path;
    addRange(mapping.start(), mapping.end(), mapping.fileOffset(), clean, -1, deleted);
  }

  @Override
  public void refresh() {
    if (!target.alive()) {
      return;
    }
    if (target.executableChanged()) {
      // execve replaced the whole address space: the old map names nothing any more.
      map.clearAll();
      synchronized (this) {
        filesByPath.clear();
      }
      mapChanged.set(true);
    }
    try {
      readMaps(ProcMaps.read(target.pid()));
    } catch (IOException e) {
      // The process exited while we read: the map captured so far stays.
    }
  }

  @Override
  public void close() {
    downloads.close();
    jit.close();
    JavaMethodNames.forget(target.pid());
    synchronized (this) {
      if (jvm != null) {
        jvm.close();
      }
      cache.clear();
      for (List<ModuleFile> modules : filesByPath.values()) {
        modules.forEach(m -> m.dwarf().close());
      }
    }
  }

  /** The ranges known now (for tests and diagnostics). */
  List<MappedRange> ranges() {
    return map.all();
  }

  // ---------------------------------------------------------------- capture

  private void readMaps(List<ProcMapsEntry> entries) {
    lastMapsRead = System.nanoTime();
    for (ProcMapsEntry e : entries) {
      // Only code can appear in a stack: data mappings are not captured.
      if (e.isExecutable() && (e.isFile() || isSpecial(e.path()))) {
        MappedRange known = map.at(e.start());
        if (known != null
            && known.end() == e.end()
            && known.fileOffset() == e.fileOffset()
            && samePath(known, e.path())) {
          continue;
        }
        addRange(e.start(), e.end(), e.fileOffset(), e.path(), e.inode(), e.deleted());
      }
    }
  }

  private static boolean samePath(MappedRange range, String path) {
    return range.module() != null
        ? range.module().path().equals(path)
        : path.equals(range.specialName());
  }

  private static boolean isSpecial(String path) {
    return path.startsWith("[")
        && !path.equals("[heap]")
        && !path.startsWith("[stack")
        && !path.startsWith("[anon");
  }

  private void addRange(
      long start, long end, long fileOffset, String path, long inode, boolean deleted) {
    if (path.endsWith("/libjvm.so")) {
      mapsLibjvm = true;
    }
    if (isSpecial(path)) {
      map.add(new MappedRange(start, end, fileOffset, null, path));
    } else {
      ModuleFile module = moduleFor(start, end, path, inode, deleted);
      map.add(new MappedRange(start, end, fileOffset, module, null));
    }
    mapChanged.set(true);
  }

  /** The known module for this file, or a new one captured now. */
  private synchronized ModuleFile moduleFor(
      long start, long end, String path, long inode, boolean deleted) {
    List<ModuleFile> known = filesByPath.computeIfAbsent(path, p -> new ArrayList<>(1));
    if (target.alive()) {
      FileIdentity mapped =
          FileIdentity.of(target.mapFile(start, end))
              .or(() -> deleted ? Optional.empty() : FileIdentity.of(target.throughRoot(path)))
              .orElse(null);
      for (ModuleFile m : known) {
        if (mapped != null && m.isFile(mapped) && (inode < 0 || mapped.inode() == inode)) {
          return m;
        }
      }
    } else if (!known.isEmpty()) {
      return known.get(known.size() - 1);
    }
    ModuleFile module = ModuleFile.capture(target, path, start, end, inode, deleted, downloads);
    known.add(module);
    return module;
  }

  // ---------------------------------------------------------------- frames

  /**
   * The frames of a user-space address, remembered unless named from a provisional table (a debug
   * file still on its way may name them better).
   */
  private List<Frame> userFrames(long address) {
    MappedRange range = map.find(address);
    if (range == null && target.alive() && System.nanoTime() - lastMapsRead > MISS_REFRESH_NANOS) {
      refresh();
      range = map.find(address);
    }
    if (range == null) {
      return codeOutsideFiles(address, Frame.unknown(address, false));
    }
    if (range.module() == null) {
      return remember(
          address, new Frame(address, range.specialName(), null, address - range.start(), false));
    }
    ModuleFile module = range.module();
    long fileOffset = address - range.start() + range.fileOffset();
    SymbolTable symbols = module.symbols(target, range.start(), range.end());
    ModuleLayout layout = module.layout();
    OptionalLong vaddr = layout == null ? OptionalLong.empty() : layout.vaddrOf(fileOffset);
    if (vaddr.isEmpty()) {
      Frame frame = new Frame(address, module.displayName(), null, fileOffset, false);
      if (layout == null) {
        // not an ELF file: code a JIT placed there (a memfd, "//anon") may be in its perf map
        return codeOutsideFiles(address, frame);
      }
      return symbols.isProvisional() ? List.of(frame) : remember(address, frame);
    }
    long fileAddress = vaddr.getAsLong();
    // the call instruction, which a return address follows (a call can end its function)
    long call = fileAddress > layout.imageBase() ? fileAddress - 1 : fileAddress;
    int index = symbols.indexOf(call);
    String symbol = index < 0 ? null : symbols.name(index);
    long offset = index < 0 ? fileAddress - layout.imageBase() : fileAddress - symbols.start(index);
    ModuleDwarf dwarf = module.dwarf();
    List<SourceFrame> source = dwarf.get().map(d -> d.lookup(call)).orElse(List.of());
    List<Frame> frames = new ArrayList<>(Math.max(1, source.size()));
    String name = module.displayName();
    for (int k = 0; k + 1 < source.size(); k++) {
      SourceFrame inlined = source.get(k);
      frames.add(
          new Frame(
              address,
              name,
              symbol,
              offset,
              false,
              readable(inlined.rawName()),
              inlined.file(),
              inlined.line(),
              true));
    }
    SourceFrame outer = source.isEmpty() ? null : source.get(source.size() - 1);
    // the name the debugging information gives (as addr2line), else the symbol's
    String function =
        outer != null && outer.rawName() != null ? readable(outer.rawName()) : readable(symbol);
    frames.add(
        new Frame(
            address,
            name,
            symbol,
            offset,
            false,
            function,
            outer == null ? null : outer.file(),
            outer == null ? 0 : outer.line(),
            false));
    List<Frame> result = List.copyOf(frames);
    return symbols.isProvisional() || dwarf.provisional() ? result : remember(address, result);
  }

  /**
   * The frame of code in no ELF file (a JIT's code cache) from the perf map; else {@code
   * otherwise}, kept only once the target has exited (until then a perf map may still name it).
   */
  private List<Frame> codeOutsideFiles(long address, Frame otherwise) {
    Frame named = jit.frame(address, mapsLibjvm);
    if (jit.generation() != jitGeneration) {
      jitGeneration = jit.generation();
      cache.clear();
    }
    List<Frame> compiled = mapsLibjvm ? codeCacheFrames(address) : null;
    if (named != null) {
      // the perf map names the compiled method; the code cache adds the methods inlined there
      Frame physical = compiled == null ? null : compiled.get(compiled.size() - 1);
      if (physical == null || !physical.function().equals(named.function())) {
        return remember(address, named);
      }
      // the perf map names the compiled method; the code cache adds its inlined methods and lines
      List<Frame> frames = new ArrayList<>(compiled.subList(0, compiled.size() - 1));
      frames.add(named.withSource(named.function(), physical.file(), physical.line()));
      return List.copyOf(frames);
    }
    if (compiled != null) {
      return compiled; // the code cache reuses space: asked again next time
    }
    return jit.mayLearnMore() ? List.of(otherwise) : remember(address, otherwise);
  }

  /**
   * Code in a HotSpot JVM's code cache that the perf map does not name (yet): named from the JVM's
   * own metadata, a compiled method by its method, a stub by its blob's name.
   */
  private synchronized List<Frame> codeCacheFrames(long address) {
    if (!target.alive()) {
      // named by the source's reader while the JVM lived
      CodeName met = JavaMethodNames.code(target.pid()).get(address);
      return met == null ? null : codeFrames(address, met);
    }
    if (jvm == null) {
      jvm = HotSpotVm.attach(target.pid()).orElse(null);
      if (jvm == null) {
        return null;
      }
    }
    CodeName code;
    try {
      code = jvm.codeCache().codeName(address);
    } catch (RuntimeException e) {
      return null; // metadata changing under the read: no name rather than no report
    }
    return code == null ? null : codeFrames(address, code);
  }

  /**
   * The methods inlined at the address (innermost first), then the compiled method's frame (a
   * stub's: its blob's name), each with its source line where known.
   */
  private static List<Frame> codeFrames(long address, CodeName code) {
    List<Frame> frames = new ArrayList<>();
    long offset = address - code.start();
    List<JavaFrame> java = code.frames();
    for (int i = 0; i < java.size(); i++) {
      JavaFrame f = java.get(i);
      boolean inlined = i < java.size() - 1;
      frames.add(
          new Frame(
              address,
              Frame.JIT_MODULE,
              code.name(),
              offset,
              false,
              f.name(),
              f.file(),
              f.line(),
              inlined));
    }
    if (java.isEmpty()) {
      frames.add(
          new Frame(
              address, Frame.JIT_MODULE, code.name(), offset, false, code.name(), null, 0, false));
    }
    return List.copyOf(frames);
  }

  /** A name as a reader writes it: demangled, without a symbol version. */
  private static String readable(String name) {
    return name == null ? null : Demangler.demangle(name);
  }

  private Frame kernelFrame(long address) {
    if (!includeKernelFrames || Long.compareUnsigned(address, KERNEL_START) < 0) {
      return Frame.unknown(address, true);
    }
    if (kernelSymbols == null) {
      kernelSymbols = KernelSymbols.load(kallsyms);
    }
    int index = kernelSymbols.indexOf(address);
    if (index < 0) {
      return Frame.unknown(address, true);
    }
    return new Frame(
        address,
        kernelSymbols.module(index),
        kernelSymbols.name(index),
        address - kernelSymbols.address(index),
        true);
  }
}
