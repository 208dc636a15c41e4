/**
 * The {@code dbghelp} symbol resolver for Windows processes, through JNA.
 *
 * <p>At open the target's module list is read with {@code EnumProcessModulesEx} (LIST_MODULES_ALL),
 * {@code GetModuleFileNameExW} and {@code GetModuleInformation}; it is read again each interval
 * while the target lives. Each module is loaded with {@code SymLoadModuleExW(path, base, size)}
 * into a symbol session named by a pseudo handle ({@code SymInitializeW(handle, path, FALSE)}), not
 * by the process handle, so that reports made after the target exited still resolve. Frames print
 * as {@code module!symbol+0xOFF}, or {@code module!+0xOFF} from the module base when dbghelp has no
 * symbol; kernel addresses become kernel frames, which the session drops unless kernel frames were
 * asked for.
 *
 * <p>The symbol path is the target's directory, then {@code _NT_SYMBOL_PATH} (and {@code
 * _NT_ALTERNATE_SYMBOL_PATH}) when set, else {@code srv*%LOCALAPPDATA%\LeakDetector\symbols*}
 * Microsoft's symbol server. The dbghelp.dll is loaded by full path: {@code LEAKDETECTOR_DBGHELP},
 * else Debugging Tools for Windows (a copy with symsrv.dll beside it, which symbol servers need),
 * else System32's; the choice is printed on standard error. All dbghelp calls run on one thread.
 *
 * <p>Verified on Linux only: structure layouts and constants against the mingw-w64 headers, the
 * function names against libdbghelp.a, libpsapi.a and libkernel32.a, and the behaviour against a
 * scripted dbghelp. Not verified: that dbghelp resolves through a pseudo handle after the target
 * exited (the documentation says the handle need not be a process handle), and WOW64 targets, whose
 * 32-bit DLLs GetModuleFileNameExW reports under System32 rather than SysWOW64.
 */
package io.leakdetector.symbols.windows;
