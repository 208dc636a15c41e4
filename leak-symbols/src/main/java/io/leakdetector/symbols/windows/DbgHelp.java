package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.win32.StdCallLibrary;

/**
 * The dbghelp.dll functions the resolver uses. Every call goes through one thread (dbghelp is
 * single-threaded). Checked against mingw-w64: each function is imported from dbghelp.dll through
 * libdbghelp.a, its parameter and return sizes equal the header's prototype (where the installed
 * headers declare it), the constants equal the header's.
 */
public interface DbgHelp extends StdCallLibrary {
  /** Names undecorated ({@code ?f@@YAXXZ} becomes {@code f}). */
  int SYMOPT_UNDNAME = 0x00000002;

  int SYMOPT_DEFERRED_LOADS = 0x00000004;

  /** Line numbers are read; without it the line functions find nothing. */
  int SYMOPT_LOAD_LINES = 0x00000010;

  int SYMOPT_FAIL_CRITICAL_ERRORS = 0x00000200;
  int SYMOPT_NO_PROMPTS = 0x00080000;

  /** The longest symbol name dbghelp returns. */
  int MAX_SYM_NAME = 2000;

  /** The start context of an inline trace query: none yet. */
  int INLINE_FRAME_CONTEXT_INIT = 0;

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

  /**
   * The source line of the code at {@code address}; {@code line.FileName} points into dbghelp's
   * memory, valid until the next call.
   */
  boolean SymGetLineFromAddrW64(
      Pointer process, long address, IntByReference displacement, ImagehlpLineW64 line);

  /** How many inlined functions enclose {@code address} (0: none). */
  int SymAddrIncludeInlineTrace(Pointer process, long address);

  /**
   * The inline context of the innermost function inlined at {@code currentAddress}; the contexts of
   * the functions enclosing it follow it, one apart.
   */
  boolean SymQueryInlineTrace(
      Pointer process,
      long startAddress,
      int startContext,
      long startReturnAddress,
      long currentAddress,
      IntByReference currentContext,
      IntByReference currentFrameIndex);

  /**
   * The inlined function of {@code inlineContext} at {@code address}, like {@link #SymFromAddrW}.
   */
  boolean SymFromInlineContextW(
      Pointer process,
      long address,
      int inlineContext,
      LongByReference displacement,
      Pointer symbol);

  /** The source line of the inlined function of {@code inlineContext} at {@code address}. */
  boolean SymGetLineFromInlineContextW(
      Pointer process,
      long address,
      int inlineContext,
      long moduleBase,
      IntByReference displacement,
      ImagehlpLineW64 line);

  boolean SymCleanup(Pointer process);
}
