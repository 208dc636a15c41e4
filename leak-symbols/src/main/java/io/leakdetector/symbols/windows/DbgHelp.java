package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.win32.StdCallLibrary;

/**
 * The dbghelp.dll functions the resolver uses. Every call goes through one thread (dbghelp is
 * single-threaded). Checked against the mingw-w64 headers and libdbghelp.a.
 */
public interface DbgHelp extends StdCallLibrary {
  int SYMOPT_UNDNAME = 0x00000002;
  int SYMOPT_DEFERRED_LOADS = 0x00000004;
  int SYMOPT_FAIL_CRITICAL_ERRORS = 0x00000200;
  int SYMOPT_NO_PROMPTS = 0x00080000;

  /** The longest symbol name dbghelp returns. */
  int MAX_SYM_NAME = 2000;

  int SymSetOptions(int symOptions);

  /** {@code process} need not be a process handle: a unique value names a symbol session. */
  boolean SymInitializeW(Pointer process, WString userSearchPath, boolean invadeProcess);

  boolean SymSetSearchPathW(Pointer process, WString searchPath);

  /** Returns the module's base, or 0 (last error 0 when it was loaded already). */
  long SymLoadModuleExW(
      Pointer process,
      Pointer file,
      WString imageName,
      WString moduleName,
      long baseOfDll,
      int dllSize,
      Pointer data,
      int flags);

  /** {@code symbol} points at a SYMBOL_INFOW buffer (see {@link SymbolInfoW}). */
  boolean SymFromAddrW(Pointer process, long address, LongByReference displacement, Pointer symbol);

  boolean SymGetModuleInfoW64(Pointer process, long address, ImagehlpModuleW64 moduleInfo);

  boolean SymCleanup(Pointer process);
}
