package io.leakdetector.symbols.windows;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads a live process's module list: EnumProcessModulesEx, then each path, base and size. */
final class ModuleReader {
  private static final int PATH_CHARS = 32768;

  private ModuleReader() {}

  /** The modules, or an empty list when the process can no longer be read. */
  static List<WindowsModule> read(Psapi psapi, Pointer process) {
    Memory handles = new Memory(8L * 1024);
    IntByReference needed = new IntByReference();
    for (int attempt = 0; attempt < 4; attempt++) {
      if (!psapi.EnumProcessModulesEx(
          process, handles, (int) handles.size(), needed, Psapi.LIST_MODULES_ALL)) {
        return List.of();
      }
      if (needed.getValue() <= handles.size()) {
        break;
      }
      handles = new Memory(needed.getValue() + 8L * 64); // modules were loaded meanwhile
    }
    int count = (int) Math.min(needed.getValue(), handles.size()) / 8;
    Memory path = new Memory(2L * PATH_CHARS);
    List<WindowsModule> modules = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Pointer module = handles.getPointer(8L * i);
      ModuleInfo info = new ModuleInfo();
      int chars = psapi.GetModuleFileNameExW(process, module, path, PATH_CHARS);
      if (chars <= 0 || !psapi.GetModuleInformation(process, module, info, info.size())) {
        continue; // unloaded while we read
      }
      String name = new String(path.getByteArray(0, 2 * chars), StandardCharsets.UTF_16LE);
      modules.add(
          new WindowsModule(
              name,
              Pointer.nativeValue(info.lpBaseOfDll),
              Integer.toUnsignedLong(info.SizeOfImage)));
    }
    return modules;
  }
}
