/**
 * The {@code dbghelp} symbol resolver for Windows processes, through JNA.
 *
 * <p>At open the target's module list is read with {@code EnumProcessModulesEx} (LIST_MODULES_ALL),
 * {@code GetModuleFileNameExW} and {@code GetModuleInformation}; it is read again each interval
 * while the target lives and the source reports no module loads. Each module is loaded with {@code
 * SymLoadModuleExW(path, base, size)} into a symbol session named by a pseudo handle ({@code
 * SymInitializeW(handle, path, FALSE)}), not by the process handle, so that reports made after the
 * target exited still resolve. Frames print as {@code module!function+0xOFF (file.c:123)}, names
 * undecorated ({@code SYMOPT_UNDNAME}) and lines loaded ({@code SYMOPT_LOAD_LINES}), after the
 * functions inlined at that call ({@code module!function [inlined] (file.h:45)}, innermost first,
 * through {@code SymAddrIncludeInlineTrace}, {@code SymQueryInlineTrace}, {@code
 * SymFromInlineContextW} and {@code SymGetLineFromInlineContextW}); or {@code module!+0xOFF} from
 * the module base when dbghelp has no symbol; kernel addresses become kernel frames, which the
 * session drops unless kernel frames were asked for. Stack addresses are return addresses: names,
 * lines and inline contexts are looked up at the address − 1, inside the call.
 *
 * <p>The symbol path is the target's directory, then {@code _NT_SYMBOL_PATH} (and {@code
 * _NT_ALTERNATE_SYMBOL_PATH}) when set, else {@code srv*%LOCALAPPDATA%\LeakDetector\symbols*}
 * Microsoft's symbol server. The dbghelp.dll is loaded by full path: {@code LEAKDETECTOR_DBGHELP},
 * else Debugging Tools for Windows (a copy with symsrv.dll beside it, which symbol servers need),
 * else System32's; the choice is printed on standard error. All dbghelp calls run on one thread.
 *
 * <p>Modules reported by the source (image-load events) are queued for dbghelp without waiting and
 * replace the per-interval re-read of the module list. A WOW64 target's 32-bit system DLLs are
 * loaded from SysWOW64, not the System32 path GetModuleFileNameExW reports ({@link Wow64Paths}).
 *
 * <p>Verified on Linux only: structure layouts and constants against the mingw-w64 headers, the
 * function names against libdbghelp.a, libpsapi.a and libkernel32.a (and the DLL each of ours is
 * imported from), parameter and result sizes against the headers' prototypes where they declare
 * them, and the behaviour against a scripted dbghelp/psapi/kernel32. Not verified: that dbghelp
 * resolves through a pseudo handle after the target exited (the documentation says the handle need
 * not be a process handle), and how the native dbghelp answers the line and inline-frame queries
 * (see the README).
 */
package io.leakdetector.symbols.windows;
