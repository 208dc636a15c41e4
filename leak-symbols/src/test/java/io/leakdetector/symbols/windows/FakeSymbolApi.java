package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A scripted dbghelp/psapi/kernel32: a process with a module list that can change and end, and a
 * dbghelp that knows the symbols of some modules. Reads and writes the buffers the resolver passes
 * at their header offsets, and records which thread made each dbghelp call.
 */
final class FakeSymbolApi {
  /** A module of the fake process and the symbols (offset from base → name) dbghelp has. */
  record Module(String path, long base, int size, TreeMap<Long, String> symbols) {}

  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final Set<Thread> dbghelpThreads = Collections.synchronizedSet(new HashSet<>());
  final List<Module> processModules = Collections.synchronizedList(new ArrayList<>());
  final Map<String, Module> byPath = Collections.synchronizedMap(new TreeMap<>());
  final Map<Long, Module> loaded = Collections.synchronizedMap(new TreeMap<>());
  final Set<Long> openHandles = Collections.synchronizedSet(new HashSet<>());
  volatile boolean alive = true;
  volatile boolean openDenied;
  volatile boolean initializeFails;
  volatile Pointer session;
  volatile String searchPath;
  volatile int lastError;

  SymbolApi api() {
    return new SymbolApi(new Dbg(), new Ps(), new Kernel(), () -> lastError);
  }

  void add(String path, long base, int size, Map<Long, String> symbols) {
    Module module = new Module(path, base, size, new TreeMap<>(symbols));
    processModules.add(module);
    byPath.put(path, module);
  }

  private void dbghelpCall(String call) {
    dbghelpThreads.add(Thread.currentThread());
    log.add(call);
  }

  final class Dbg implements DbgHelp {
    @Override
    public int SymSetOptions(int symOptions) {
      dbghelpCall("SymSetOptions " + Integer.toHexString(symOptions));
      return symOptions;
    }

    @Override
    public boolean SymInitializeW(Pointer process, WString userSearchPath, boolean invadeProcess) {
      dbghelpCall("SymInitializeW " + invadeProcess);
      session = process;
      searchPath = userSearchPath.toString();
      if (initializeFails) {
        lastError = 87;
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
        lastError = 2; // ERROR_FILE_NOT_FOUND
        return 0;
      }
      loaded.put(baseOfDll, new Module(module.path(), baseOfDll, dllSize, module.symbols()));
      lastError = 0;
      return baseOfDll;
    }

    @Override
    public boolean SymFromAddrW(
        Pointer process, long address, LongByReference displacement, Pointer symbol) {
      dbghelpCall("SymFromAddrW " + Long.toHexString(address));
      requireSession(process);
      if (symbol.getInt(0) != 88 || symbol.getInt(80) != 2000) {
        throw new AssertionError(
            "SizeOfStruct " + symbol.getInt(0) + ", MaxNameLen " + symbol.getInt(80));
      }
      Module module = loadedAt(address);
      Map.Entry<Long, String> entry =
          module == null ? null : module.symbols().floorEntry(address - module.base());
      if (entry == null) {
        lastError = 126; // ERROR_MOD_NOT_FOUND
        return false;
      }
      byte[] name = entry.getValue().getBytes(StandardCharsets.UTF_16LE);
      symbol.setInt(76, entry.getValue().length());
      symbol.write(84, name, 0, name.length);
      displacement.setValue(address - module.base() - entry.getKey());
      return true;
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

  final class Ps implements Psapi {
    @Override
    public boolean EnumProcessModulesEx(
        Pointer process, Pointer modules, int cb, IntByReference needed, int filterFlag) {
      log.add("EnumProcessModulesEx " + filterFlag);
      if (!alive) {
        lastError = 299;
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

    @Override
    public int GetModuleFileNameExW(Pointer process, Pointer module, Pointer filename, int size) {
      String path = processModules.get((int) Pointer.nativeValue(module) - 1).path();
      byte[] bytes = (path + "\0").getBytes(StandardCharsets.UTF_16LE);
      filename.write(0, bytes, 0, bytes.length);
      return path.length();
    }

    @Override
    public boolean GetModuleInformation(
        Pointer process, Pointer module, ModuleInfo moduleInfo, int cb) {
      if (cb != 24) {
        throw new AssertionError("MODULEINFO cb " + cb);
      }
      Module m = processModules.get((int) Pointer.nativeValue(module) - 1);
      moduleInfo.lpBaseOfDll = new Pointer(m.base());
      moduleInfo.SizeOfImage = m.size();
      return true;
    }
  }

  final class Kernel implements ProcessApi {
    @Override
    public Pointer OpenProcess(int desiredAccess, boolean inheritHandle, int processId) {
      log.add("OpenProcess " + Integer.toHexString(desiredAccess) + " " + processId);
      if (openDenied) {
        lastError = 5;
        return null;
      }
      if (processId != 7408) {
        lastError = 87;
        return null;
      }
      openHandles.add(0x3000L);
      return new Pointer(0x3000);
    }

    @Override
    public boolean CloseHandle(Pointer handle) {
      log.add("CloseHandle " + Long.toHexString(Pointer.nativeValue(handle)));
      openHandles.remove(Pointer.nativeValue(handle));
      return true;
    }

    @Override
    public boolean GetExitCodeProcess(Pointer process, IntByReference exitCode) {
      exitCode.setValue(alive ? STILL_ACTIVE : 0);
      return true;
    }
  }
}
