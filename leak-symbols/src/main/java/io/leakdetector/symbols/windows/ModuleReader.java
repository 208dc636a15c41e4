package io.leakdetector.symbols.windows;

import com.sun.jna.Memory;
import com.sun.jna.platform.win32.WinDef.HMODULE;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a live process's module list: EnumProcessModulesEx, then each path, base and size; a WOW64
 * process's 32-bit system DLLs get their SysWOW64 path ({@link Wow64Paths}).
 */
final class ModuleReader {
  private static final int PATH_CHARS = 32768;

  private ModuleReader() {}

  /** The modules, or an empty list when the process can no longer be read. */
  static List<WindowsModule> read(PsapiEx psapi, HANDLE process, boolean wow64, String systemRoot) {
    Memory handles = new Memory(8L * 1024);
    IntByReference needed = new IntByReference();
    for (int attempt = 0; attempt < 4; attempt++) {
      if (!psapi.EnumProcessModulesEx(
          process, handles, (int) handles.size(), needed, PsapiEx.LIST_MODULES_ALL)) {
        return List.of();
      }
      if (needed.getValue() <= handles.size()) {
        break;
      }
      handles = new Memory(needed.getValue() + 8L * 64); // modules were loaded meanwhile
    }
    int count = (int) Math.min(needed.getValue(), handles.size()) / 8;
    char[] path = new char[PATH_CHARS];
    List<WindowsModule> modules = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      HMODULE module = new HMODULE();
      module.setPointer(handles.getPointer(8L * i));
      ModuleInfo info = new ModuleInfo();
      int chars = psapi.GetModuleFileNameExW(process, module, path, PATH_CHARS);
      if (chars <= 0 || !psapi.GetModuleInformation(process, module, info, info.size())) {
        continue; // unloaded while we read
      }
      long base = com.sun.jna.Pointer.nativeValue(info.lpBaseOfDll);
      long size = Integer.toUnsignedLong(info.SizeOfImage);
      String reported = new String(path, 0, Math.min(chars, PATH_CHARS));
      modules.add(
          new WindowsModule(
              Wow64Paths.realPath(reported, base, size, wow64, systemRoot), base, size));
    }
    return modules;
  }
}
