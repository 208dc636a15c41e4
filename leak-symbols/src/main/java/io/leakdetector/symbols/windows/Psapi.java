package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.win32.StdCallLibrary;

/** The psapi.dll functions that list a process's modules; checked against libpsapi.a. */
public interface Psapi extends StdCallLibrary {
  /** 32- and 64-bit modules (a WOW64 process has both). */
  int LIST_MODULES_ALL = 0x03;

  /** {@code modules} is memory for {@code cb / 8} module handles. */
  boolean EnumProcessModulesEx(
      Pointer process, Pointer modules, int cb, IntByReference needed, int filterFlag);

  /** Writes the module's path as UTF-16 into {@code filename}; returns its length in chars. */
  int GetModuleFileNameExW(Pointer process, Pointer module, Pointer filename, int size);

  boolean GetModuleInformation(Pointer process, Pointer module, ModuleInfo moduleInfo, int cb);
}
