package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Psapi;
import com.sun.jna.platform.win32.WinDef.HMODULE;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;

/**
 * psapi.dll as jna-platform binds it, plus what we bind ourselves (checked against libpsapi.a and
 * the mingw-w64 headers): {@code EnumProcessModulesEx}, which jna-platform lacks and which a 64-bit
 * reader needs to list a WOW64 process's 32-bit modules, and {@code GetModuleInformation} with our
 * {@link ModuleInfo}, because jna-platform's {@code Psapi.MODULEINFO} loads psapi.dll when it is
 * constructed, which the tests off Windows cannot do.
 */
public interface PsapiEx extends Psapi {
  /** 32- and 64-bit modules (a WOW64 process has both). */
  int LIST_MODULES_ALL = 0x03;

  /** {@code modules} is memory for {@code cb / 8} module handles. */
  boolean EnumProcessModulesEx(
      HANDLE process, Pointer modules, int cb, IntByReference needed, int filterFlag);

  boolean GetModuleInformation(HANDLE process, HMODULE module, ModuleInfo moduleInfo, int cb);
}
