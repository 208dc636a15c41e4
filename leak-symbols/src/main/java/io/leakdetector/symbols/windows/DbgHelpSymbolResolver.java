package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import io.leakdetector.Frame;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SymbolResolver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resolves one Windows process's addresses with dbghelp. The module list (path, base, size) is
 * captured at open and refreshed each interval while the target lives; each module is loaded by
 * path, base and size into a symbol session named by a pseudo handle (not the process handle), so
 * that resolution keeps working after the target exits — the original tool could not. Frames are
 * {@code module!symbol+0xOFF} with the source line when the module's symbols have lines, preceded
 * by the functions inlined at that call ({@link FrameLookup}), or {@code module!+0xOFF} (from the
 * module base) when dbghelp has no symbol; addresses in no module are unknown frames; kernel
 * addresses are unknown kernel frames, which the session drops unless kernel frames were asked for.
 * Every dbghelp call runs on one thread; frames are cached per address. No failure of dbghelp
 * escapes: the frame is then shown without what failed, and the failure is logged once.
 */
final class DbgHelpSymbolResolver implements SymbolResolver {
  /** TraceEvent's cut-off for x64 kernel addresses (the ETW source uses the same). */
  static final long KERNEL_START = 0xFFFF000000000000L;

  static final int OPTIONS =
      DbgHelp.SYMOPT_UNDNAME
          | DbgHelp.SYMOPT_LOAD_LINES
          | DbgHelp.SYMOPT_DEFERRED_LOADS
          | DbgHelp.SYMOPT_FAIL_CRITICAL_ERRORS
          | DbgHelp.SYMOPT_NO_PROMPTS;

  private static final int MAX_CACHED_FRAMES = 1 << 20;
  private static final AtomicLong NEXT_SESSION = new AtomicLong(0x1EAD_0000L);

  private final SymbolApi api;
  private final Map<String, String> env;
  private final DbgHelpThread dbghelp = new DbgHelpThread();
  private final Pointer session = new Pointer(NEXT_SESSION.getAndAdd(4));
  private final TreeMap<Long, WindowsModule> modules = new TreeMap<>(Long::compareUnsigned);

  /** Per address, its frames as {@link #resolveWithInlines} gives them. */
  private final Map<Long, List<Frame>> cache = new HashMap<>();

  private final OnceLog failures;
  private final FrameLookup lookup;
  private final boolean wow64;
  private final String systemRoot;
  private HANDLE process;
  private String targetDirectory = "";
  private boolean moduleEvents;
  private String searchPath;
  private final java.util.concurrent.atomic.AtomicInteger loadFailures =
      new java.util.concurrent.atomic.AtomicInteger();
  private boolean closed;

  private DbgHelpSymbolResolver(
      SymbolApi api, HANDLE process, Map<String, String> env, boolean wow64, System.Logger log) {
    this.api = api;
    this.failures = new OnceLog(log);
    this.lookup = new FrameLookup(api.dbghelp(), session, failures);
    this.process = process;
    this.env = env;
    this.wow64 = wow64;
    this.systemRoot = env.getOrDefault("SystemRoot", "C:\\Windows");
  }

  /** What a dbghelp call returned and the dbghelp thread's last error right after it. */
  private record Outcome(boolean ok, int lastError) {}

  /**
   * Starts a symbol session for the process behind {@code process} (opened with
   * PROCESS_QUERY_INFORMATION | PROCESS_VM_READ; the resolver closes it) and loads its modules.
   *
   * @param log where failures that cost frames their names, lines or inlined functions are
   *     reported, once per kind
   * @throws IllegalStateException when dbghelp refuses to start a session
   */
  static DbgHelpSymbolResolver open(
      SymbolApi api, HANDLE process, Map<String, String> env, System.Logger log) {
    IntByReference wow64 = new IntByReference();
    boolean isWow64 = api.kernel32().IsWow64Process(process, wow64) && wow64.getValue() != 0;
    DbgHelpSymbolResolver resolver = new DbgHelpSymbolResolver(api, process, env, isWow64, log);
    try {
      resolver.start(resolver.readModules(process));
    } catch (RuntimeException e) {
      resolver.close();
      throw e;
    }
    return resolver;
  }

  private void start(List<WindowsModule> captured) {
    searchPath = SymbolPath.build(env, "");
    // The last error belongs to the thread that made the call: read it there.
    Outcome started =
        dbghelp.call(
            () -> {
              api.dbghelp().SymSetOptions(OPTIONS);
              boolean ok = api.dbghelp().SymInitializeW(session, new WString(searchPath), false);
              return new Outcome(ok, ok ? 0 : api.lastError().getAsInt());
            });
    if (!started.ok()) {
      throw new IllegalStateException(
          "dbghelp could not start a symbol session (SymInitializeW error "
              + started.lastError()
              + ")");
    }
    addAll(captured, true);
  }

  private List<WindowsModule> readModules(HANDLE live) {
    return ModuleReader.read(api.psapi(), live, wow64, systemRoot);
  }

  /** Whether the target is a 32-bit process on 64-bit Windows. */
  boolean wow64() {
    return wow64;
  }

  /** The symbol search path in use. */
  synchronized String searchPath() {
    return searchPath;
  }

  /** The modules known now, by base. */
  synchronized List<WindowsModule> modules() {
    return List.copyOf(modules.values());
  }

  /** Modules dbghelp could not load (their frames print as module!+0xOFF). */
  int loadFailures() {
    return loadFailures.get();
  }

  /** The function holding the call that returns to {@code address}, with its line. */
  @Override
  public Frame resolve(long address) {
    List<Frame> frames = resolveWithInlines(address);
    return frames.get(frames.size() - 1);
  }

  /**
   * The functions inlined at the call that returns to {@code address} (innermost first, each {@code
   * inlined}), then the function holding the call, each with its line.
   *
   * <p>Not synchronized while dbghelp works: a lookup may wait seconds for a symbol server, and a
   * source thread reporting a module load must not wait for it.
   */
  @Override
  public List<Frame> resolveWithInlines(long address) {
    WindowsModule module;
    synchronized (this) {
      List<Frame> cached = cache.get(address);
      if (cached != null) {
        return cached;
      }
      if (Long.compareUnsigned(address, KERNEL_START) >= 0) {
        return remember(address, List.of(Frame.unknown(address, true)));
      }
      Map.Entry<Long, WindowsModule> entry = modules.floorEntry(address);
      module = entry == null ? null : entry.getValue();
      if (module == null || !module.contains(address)) {
        return remember(address, List.of(Frame.unknown(address, false)));
      }
      if (closed) {
        return List.of(moduleOffset(address, module));
      }
    }
    WindowsModule found = module;
    List<Frame> frames;
    try {
      frames = List.copyOf(dbghelp.call(() -> lookup.at(address, found)));
    } catch (RuntimeException | LinkageError e) {
      String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      failures.warn(
          "lookup",
          "dbghelp failed to name the frame at 0x"
              + Long.toHexString(address)
              + " ("
              + why.strip()
              + "); frames it fails on are shown as module!+0xOFF.",
          e);
      return List.of(moduleOffset(address, found)); // not cached: dbghelp may answer next time
    }
    synchronized (this) {
      return remember(address, frames);
    }
  }

  private static Frame moduleOffset(long address, WindowsModule module) {
    return new Frame(address, module.fileName(), null, address - module.base(), false);
  }

  private List<Frame> remember(long address, List<Frame> frames) {
    if (cache.size() >= MAX_CACHED_FRAMES) {
      cache.clear();
    }
    cache.put(address, frames);
    return frames;
  }

  /**
   * A module the source saw loaded (image-load events). Called on the source's thread, so it only
   * records the module and queues the dbghelp load; once such events arrive, {@link #refresh} stops
   * polling the module list.
   */
  @Override
  public void onModuleMapped(ModuleMapping mapping) {
    String path = mapping.path();
    if (path != null && !path.isEmpty() && mapping.end() > mapping.start()) {
      synchronized (this) {
        moduleEvents = true;
      }
      addAll(
          List.of(new WindowsModule(path, mapping.start(), mapping.end() - mapping.start())),
          false);
    }
  }

  /** Whether the source reports module loads (then the module list is not polled). */
  synchronized boolean moduleEvents() {
    return moduleEvents;
  }

  /**
   * While the target lives: re-reads its module list, unless the source reports module loads (the
   * poll is the fallback for a source without image-load events). Stops once the target exited.
   */
  @Override
  public void refresh() {
    HANDLE live;
    boolean events;
    synchronized (this) {
      live = process;
      events = moduleEvents;
    }
    if (live == null) {
      return;
    }
    IntByReference code = new IntByReference();
    if (!api.kernel32().GetExitCodeProcess(live, code) || code.getValue() != WinBase.STILL_ACTIVE) {
      closeProcess();
      return;
    }
    if (!events) {
      addAll(readModules(live), true);
    }
  }

  /**
   * Adds the modules not known yet and loads them into dbghelp. A process list starts with the
   * executable, whose directory joins the symbol path the first time it is seen.
   */
  private void addAll(List<WindowsModule> captured, boolean processList) {
    List<WindowsModule> added = new ArrayList<>();
    String newPath = null;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (processList && targetDirectory.isEmpty() && !captured.isEmpty()) {
        targetDirectory = captured.get(0).directory();
        if (!targetDirectory.isEmpty()) {
          newPath = SymbolPath.build(env, targetDirectory);
          searchPath = newPath;
        }
      }
      for (WindowsModule module : captured) {
        if (!module.equals(modules.get(module.base()))) {
          modules.put(module.base(), module);
          added.add(module);
        }
      }
      if (!added.isEmpty()) {
        cache.clear();
      }
    }
    String pathToSet = newPath;
    if (pathToSet == null && added.isEmpty()) {
      return;
    }
    if (processList) {
      dbghelp.run(() -> load(pathToSet, added)); // the snapshot thread's own work
    } else {
      // A source's thread: queued, not awaited, so that it never waits behind a symbol-server
      // download; the single dbghelp thread runs it before any later lookup.
      dbghelp.submit(() -> load(pathToSet, added));
    }
  }

  /** On the dbghelp thread: sets a new search path, loads modules by path, base and size. */
  private void load(String newPath, List<WindowsModule> added) {
    if (newPath != null) {
      api.dbghelp().SymSetSearchPathW(session, new WString(newPath));
    }
    for (WindowsModule module : added) {
      long base =
          api.dbghelp()
              .SymLoadModuleExW(
                  session,
                  null,
                  new WString(module.path()),
                  null,
                  module.base(),
                  (int) module.size(),
                  null,
                  0);
      // 0 with last error 0: it was loaded already (SymLoadModuleExW doc).
      if (base == 0 && api.lastError().getAsInt() != 0) {
        loadFailures.incrementAndGet(); // no lock here: resolve() holds it while it waits for us
      }
    }
  }

  private void closeProcess() {
    HANDLE handle;
    synchronized (this) {
      handle = process;
      process = null;
    }
    if (handle != null) {
      api.kernel32().CloseHandle(handle);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      dbghelp.run(() -> api.dbghelp().SymCleanup(session));
    } finally {
      dbghelp.close();
      closeProcess();
      synchronized (this) {
        cache.clear();
      }
    }
  }
}
