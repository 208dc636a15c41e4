package io.leakdetector.symbols.windows;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinDef.HMODULE;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import io.leakdetector.testkit.Scripted;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A scripted dbghelp/psapi/kernel32: a process with a module list that can change and end, and a
 * dbghelp that knows the symbols, lines and inlined functions of some modules. Reads and writes the
 * buffers the resolver passes at their header offsets, and records which thread made each dbghelp
 * call. As dbghelp does, it gives lines only with SYMOPT_LOAD_LINES and undecorated names only with
 * SYMOPT_UNDNAME.
 */
final class FakeSymbolApi {
  /** A module of the fake process and the symbols (offset from base → name) dbghelp has. */
  record Module(String path, long base, int size, TreeMap<Long, String> symbols) {}

  /** A source line. */
  record Line(String file, int line) {}

  /**
   * A function inlined over the offsets [start, end) of a module, with the lines of its own code
   * (offset → line; for code of a function inlined into it, the line of that call).
   */
  record Inlined(String function, long start, long end, Map<Long, Line> lines) {}

  /** The context SymQueryInlineTrace gives the innermost inlined function (opaque to callers). */
  static final int FIRST_INLINE_CONTEXT = 0x4000_0000;

  static final int ERROR_INVALID_PARAMETER = 87;

  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final Set<Thread> dbghelpThreads = Collections.synchronizedSet(new HashSet<>());
  final List<Module> processModules = Collections.synchronizedList(new ArrayList<>());
  final Map<String, Module> byPath = Collections.synchronizedMap(new TreeMap<>());
  final Map<Long, Module> loaded = Collections.synchronizedMap(new TreeMap<>());
  final Set<Long> openHandles = Collections.synchronizedSet(new HashSet<>());
  private final List<Memory> strings = Collections.synchronizedList(new ArrayList<>());
  volatile boolean alive = true;
  volatile boolean openDenied;
  volatile boolean initializeFails;
  volatile Pointer session;
  volatile String searchPath;
  volatile boolean wow64;
  volatile CountDownLatch blockNextSymFromAddr;
  volatile boolean blocked;
  volatile int options;

  /** Per module path: the line table (offset → line). */
  final Map<String, TreeMap<Long, Line>> lines = Collections.synchronizedMap(new TreeMap<>());

  /** Per module path: its inlined functions. */
  final Map<String, List<Inlined>> inlined = Collections.synchronizedMap(new TreeMap<>());

  /** Decorated name → what SYMOPT_UNDNAME makes of it. */
  final Map<String, String> undecorated = Collections.synchronizedMap(new TreeMap<>());

  /** Functions this dbghelp.dll does not export: calling them fails as JNA fails. */
  final Set<String> missing = Collections.synchronizedSet(new HashSet<>());

  /** Functions that fail (return FALSE or 0, last error 87). */
  final Set<String> failing = Collections.synchronizedSet(new HashSet<>());

  /** When set, SymFromAddrW throws it (an unexpected failure inside a call). */
  volatile RuntimeException symFromAddrThrows;

  /** When not negative, what SymAddrIncludeInlineTrace answers instead of the real depth. */
  volatile int inlineDepth = -1;

  /** Per thread, as Windows keeps it: a value read on another thread is that thread's. */
  final ThreadLocal<Integer> lastError = ThreadLocal.withInitial(() -> 0);

  SymbolApi api() {
    return new SymbolApi(
        new Dbg(),
        Scripted.as(MethodHandles.lookup(), PsapiEx.class, new Ps()),
        Scripted.as(MethodHandles.lookup(), Kernel32.class, new Kernel()),
        () -> lastError.get());
  }

  void add(String path, long base, int size, Map<Long, String> symbols) {
    Module module = new Module(path, base, size, new TreeMap<>(symbols));
    processModules.add(module);
    byPath.put(path, module);
  }

  /** A file dbghelp can load (with these symbols) that is not in the module list. */
  void file(String path, Map<Long, String> symbols) {
    byPath.put(path, new Module(path, 0, 0, new TreeMap<>(symbols)));
  }

  void lines(String path, Map<Long, Line> table) {
    lines.put(path, new TreeMap<>(table));
  }

  void inline(String path, Inlined function) {
    inlined
        .computeIfAbsent(path, p -> Collections.synchronizedList(new ArrayList<>()))
        .add(function);
  }

  List<String> calls(String prefix) {
    synchronized (log) {
      return log.stream().filter(call -> call.startsWith(prefix)).toList();
    }
  }

  private void dbghelpCall(String call) {
    dbghelpThreads.add(Thread.currentThread());
    log.add(call);
    String function = call.split(" ", 2)[0];
    if (missing.contains(function)) {
      // What JNA throws when the DLL has no such export.
      throw new UnsatisfiedLinkError(
          "Error looking up function '"
              + function
              + "': The specified procedure could not be found.");
    }
  }

  private boolean fails(String function) {
    if (failing.contains(function)) {
      lastError.set(ERROR_INVALID_PARAMETER);
      return true;
    }
    return false;
  }

  final class Dbg implements DbgHelp {
    @Override
    public int SymSetOptions(int symOptions) {
      dbghelpCall("SymSetOptions " + Integer.toHexString(symOptions));
      options = symOptions;
      return symOptions;
    }

    @Override
    public boolean SymInitializeW(Pointer process, WString userSearchPath, boolean invadeProcess) {
      dbghelpCall("SymInitializeW " + invadeProcess);
      session = process;
      searchPath = userSearchPath.toString();
      if (initializeFails) {
        lastError.set(87);
        return false;
      }
      return true;
    }

    @Override
    public boolean SymSetSearchPathW(Pointer process, WString path) {
      dbghelpCall("SymSetSearchPathW " + path);
      requireSession(process);
      searchPath = path.toString();
      return true;
    }

    @Override
    public long SymLoadModuleExW(
        Pointer process,
        Pointer file,
        WString imageName,
        WString moduleName,
        long baseOfDll,
        int dllSize,
        Pointer data,
        int flags) {
      dbghelpCall(
          "SymLoadModuleExW "
              + imageName
              + " "
              + Long.toHexString(baseOfDll)
              + " "
              + Integer.toHexString(dllSize)
              + " "
              + flags);
      requireSession(process);
      Module module = byPath.get(imageName.toString());
      if (module == null) {
        lastError.set(2); // ERROR_FILE_NOT_FOUND
        return 0;
      }
      loaded.put(baseOfDll, new Module(module.path(), baseOfDll, dllSize, module.symbols()));
      lastError.set(0);
      return baseOfDll;
    }

    @Override
    public boolean SymFromAddrW(
        Pointer process, long address, LongByReference displacement, Pointer symbol) {
      dbghelpCall("SymFromAddrW " + Long.toHexString(address));
      CountDownLatch block = blockNextSymFromAddr;
      if (block != null) {
        blockNextSymFromAddr = null;
        blocked = true;
        try {
          block.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      requireSession(process);
      RuntimeException failure = symFromAddrThrows;
      if (failure != null) {
        throw failure;
      }
      Module module = loadedAt(address);
      Map.Entry<Long, String> entry =
          module == null ? null : module.symbols().floorEntry(address - module.base());
      if (entry == null) {
        lastError.set(126); // ERROR_MOD_NOT_FOUND
        return false;
      }
      writeSymbol(symbol, entry.getValue());
      displacement.setValue(address - module.base() - entry.getKey());
      return true;
    }

    @Override
    public boolean SymGetLineFromAddrW64(
        Pointer process, long address, IntByReference displacement, ImagehlpLineW64 line) {
      dbghelpCall("SymGetLineFromAddrW64 " + Long.toHexString(address));
      requireSession(process);
      Module module = loadedAt(address);
      if (fails("SymGetLineFromAddrW64") || module == null) {
        return false;
      }
      return writeLine(lines.get(module.path()), module.base(), address, displacement, line);
    }

    @Override
    public int SymAddrIncludeInlineTrace(Pointer process, long address) {
      dbghelpCall("SymAddrIncludeInlineTrace " + Long.toHexString(address));
      requireSession(process);
      return inlineDepth >= 0 ? inlineDepth : chain(address).size();
    }

    @Override
    public boolean SymQueryInlineTrace(
        Pointer process,
        long startAddress,
        int startContext,
        long startReturnAddress,
        long currentAddress,
        IntByReference currentContext,
        IntByReference currentFrameIndex) {
      dbghelpCall("SymQueryInlineTrace " + Long.toHexString(currentAddress));
      requireSession(process);
      if (startAddress != currentAddress
          || startReturnAddress != currentAddress
          || startContext != 0) {
        throw new AssertionError("a trace that starts elsewhere: " + startAddress);
      }
      if (fails("SymQueryInlineTrace") || loadedAt(currentAddress) == null) {
        return false;
      }
      currentContext.setValue(FIRST_INLINE_CONTEXT);
      currentFrameIndex.setValue(chain(currentAddress).size());
      return true;
    }

    @Override
    public boolean SymFromInlineContextW(
        Pointer process,
        long address,
        int inlineContext,
        LongByReference displacement,
        Pointer symbol) {
      dbghelpCall(
          "SymFromInlineContextW "
              + Long.toHexString(address)
              + " "
              + Integer.toHexString(inlineContext));
      requireSession(process);
      Inlined function = inlinedAt(address, inlineContext);
      if (fails("SymFromInlineContextW") || function == null) {
        return false;
      }
      writeSymbol(symbol, function.function());
      displacement.setValue(address - loadedAt(address).base() - function.start());
      return true;
    }

    @Override
    public boolean SymGetLineFromInlineContextW(
        Pointer process,
        long address,
        int inlineContext,
        long moduleBase,
        IntByReference displacement,
        ImagehlpLineW64 line) {
      dbghelpCall(
          "SymGetLineFromInlineContextW "
              + Long.toHexString(address)
              + " "
              + Integer.toHexString(inlineContext));
      requireSession(process);
      Inlined function = inlinedAt(address, inlineContext);
      if (fails("SymGetLineFromInlineContextW") || function == null) {
        return false;
      }
      return writeLine(
          new TreeMap<>(function.lines()), loadedAt(address).base(), address, displacement, line);
    }

    /** The functions inlined at {@code address}, innermost (narrowest) first. */
    private List<Inlined> chain(long address) {
      Module module = loadedAt(address);
      if (module == null) {
        return List.of();
      }
      long offset = address - module.base();
      return inlined.getOrDefault(module.path(), List.of()).stream()
          .filter(f -> f.start() <= offset && offset < f.end())
          .sorted(java.util.Comparator.comparingLong(f -> f.end() - f.start()))
          .toList();
    }

    private Inlined inlinedAt(long address, int inlineContext) {
      List<Inlined> chain = chain(address);
      int index = inlineContext - FIRST_INLINE_CONTEXT;
      return index >= 0 && index < chain.size() ? chain.get(index) : null;
    }

    private void writeSymbol(Pointer symbol, String decorated) {
      if (symbol.getInt(0) != 88 || symbol.getInt(80) != 2000) {
        throw new AssertionError(
            "SizeOfStruct " + symbol.getInt(0) + ", MaxNameLen " + symbol.getInt(80));
      }
      String name =
          (options & DbgHelp.SYMOPT_UNDNAME) != 0
              ? undecorated.getOrDefault(decorated, decorated)
              : decorated;
      byte[] bytes = name.getBytes(StandardCharsets.UTF_16LE);
      symbol.setInt(76, name.length());
      symbol.write(84, bytes, 0, bytes.length);
    }

    /** Fills {@code line} from {@code table} (offsets from {@code base}), as dbghelp does. */
    private boolean writeLine(
        TreeMap<Long, Line> table,
        long base,
        long address,
        IntByReference displacement,
        ImagehlpLineW64 line) {
      long offset = address - base;
      if (line.SizeOfStruct != 40) {
        throw new AssertionError("IMAGEHLP_LINEW64 SizeOfStruct " + line.SizeOfStruct);
      }
      Map.Entry<Long, Line> entry = table == null ? null : table.floorEntry(offset);
      if ((options & DbgHelp.SYMOPT_LOAD_LINES) == 0 || entry == null) {
        lastError.set(487); // ERROR_INVALID_ADDRESS: no line here
        return false;
      }
      line.LineNumber = entry.getValue().line();
      line.FileName = wide(entry.getValue().file());
      line.Address = base + entry.getKey();
      displacement.setValue((int) (offset - entry.getKey()));
      return true;
    }

    /** A NUL-terminated WCHAR string in memory that stays alive (dbghelp owns its file names). */
    private Pointer wide(String text) {
      byte[] bytes = (text + "\0").getBytes(StandardCharsets.UTF_16LE);
      Memory memory = new Memory(bytes.length);
      memory.write(0, bytes, 0, bytes.length);
      strings.add(memory);
      return memory;
    }

    @Override
    public boolean SymGetModuleInfoW64(
        Pointer process, long address, ImagehlpModuleW64 moduleInfo) {
      dbghelpCall(
          "SymGetModuleInfoW64 " + Long.toHexString(address) + " " + moduleInfo.SizeOfStruct);
      Module module = loadedAt(address);
      if (module == null || moduleInfo.SizeOfStruct != 3264) {
        return false;
      }
      moduleInfo.BaseOfImage = module.base();
      return true;
    }

    @Override
    public boolean SymCleanup(Pointer process) {
      dbghelpCall("SymCleanup");
      requireSession(process);
      return true;
    }

    private Module loadedAt(long address) {
      synchronized (loaded) {
        for (Module module : loaded.values()) {
          if (address >= module.base() && address < module.base() + module.size()) {
            return module;
          }
        }
      }
      return null;
    }

    private void requireSession(Pointer process) {
      if (!process.equals(session)) {
        throw new AssertionError("not the symbol session's handle: " + process);
      }
    }
  }

  /** The scripted psapi (jna-platform's interface and ours, through {@link Scripted}). */
  public final class Ps {
    public boolean EnumProcessModulesEx(
        HANDLE process, Pointer modules, int cb, IntByReference needed, int filterFlag) {
      log.add("EnumProcessModulesEx " + filterFlag);
      if (!alive) {
        lastError.set(299);
        return false;
      }
      synchronized (processModules) {
        needed.setValue(8 * processModules.size());
        for (int i = 0; i < processModules.size() && 8 * (i + 1) <= cb; i++) {
          modules.setLong(8L * i, i + 1); // HMODULE: an index here
        }
      }
      return true;
    }

    public int GetModuleFileNameExW(HANDLE process, HANDLE module, char[] filename, int size) {
      String path = processModules.get(indexOf(module)).path();
      if (size < path.length() + 1 || filename.length < size) {
        throw new AssertionError("buffer of " + size + " chars");
      }
      path.getChars(0, path.length(), filename, 0);
      filename[path.length()] = 0;
      return path.length();
    }

    public boolean GetModuleInformation(
        HANDLE process, HMODULE module, ModuleInfo moduleInfo, int cb) {
      if (cb != moduleInfo.size()) {
        throw new AssertionError("MODULEINFO cb " + cb);
      }
      Module m = processModules.get(indexOf(module));
      moduleInfo.lpBaseOfDll = new Pointer(m.base());
      moduleInfo.SizeOfImage = m.size();
      return true;
    }

    private int indexOf(HANDLE module) {
      return (int) Pointer.nativeValue(module.getPointer()) - 1;
    }
  }

  /** The scripted kernel32 (jna-platform's interface, through {@link Scripted}). */
  public final class Kernel {
    public HANDLE OpenProcess(int desiredAccess, boolean inheritHandle, int processId) {
      log.add("OpenProcess " + Integer.toHexString(desiredAccess) + " " + processId);
      if (openDenied) {
        lastError.set(5);
        return null;
      }
      if (processId != 7408) {
        lastError.set(87);
        return null;
      }
      openHandles.add(0x3000L);
      return new HANDLE(new Pointer(0x3000));
    }

    public boolean CloseHandle(HANDLE handle) {
      long value = Pointer.nativeValue(handle.getPointer());
      log.add("CloseHandle " + Long.toHexString(value));
      openHandles.remove(value);
      return true;
    }

    public boolean GetExitCodeProcess(HANDLE process, IntByReference exitCode) {
      exitCode.setValue(alive ? WinBase.STILL_ACTIVE : 0);
      return true;
    }

    public boolean IsWow64Process(HANDLE process, IntByReference wow64Process) {
      log.add("IsWow64Process");
      wow64Process.setValue(wow64 ? 1 : 0);
      return true;
    }
  }
}
