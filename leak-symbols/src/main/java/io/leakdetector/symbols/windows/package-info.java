/**
 * The {@code dbghelp} symbol resolver for Windows processes, through JNA.
 *
 * <p>At open the target's module list is read with {@code EnumProcessModulesEx} (LIST_MODULES_ALL),
 * {@code GetModuleFileNameExW} and {@code GetModuleInformation}; it is read again each interval
 * while the target lives and the source reports no module loads. Each module is loaded with {@code
 * SymLoadModuleExW(path, base, size)} into a symbol session named by a pseudo handle ({@code
 * SymInitializeW(handle, path, FALSE)}), not by the process handle, so that reports made after the
 * target exited still resolve. Frames print as {@code module!symbol+0xOFF}, or {@code
 * module!+0xOFF} from the module base when dbghelp has no symbol; kernel addresses become kernel
 * frames, which the session drops unless kernel frames were asked for.
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
 * function names against libdbghelp.a, libpsapi.a and libkernel32.a, and the behaviour against a
 * scripted dbghelp/psapi/kernel32. Not verified: that dbghelp resolves through a pseudo handle
 * after the target exited (the documentation says the handle need not be a process handle).
 */
package io.leakdetector.symbols.windows;
