package io.leakdetector.symbols.windows;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.win32.W32APIOptions;
import com.sun.jna.win32.W32APITypeMapper;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The Win32 functions the dbghelp resolver calls; {@link #load} binds the real DLLs, tests pass
 * scripted ones.
 *
 * @param dbghelp the dbghelp.dll chosen by {@link DbgHelpLocator} (our binding)
 * @param psapi module enumeration (jna-platform, plus {@link PsapiEx})
 * @param kernel32 process handles, WOW64 check (jna-platform)
 * @param lastError the calling thread's last error after a call through these
 */
public record SymbolApi(DbgHelp dbghelp, PsapiEx psapi, Kernel32 kernel32, IntSupplier lastError) {

  /** Binds dbghelp.dll from {@code dbghelpPath} (a full path), psapi.dll and kernel32.dll. */
  public static SymbolApi load(String dbghelpPath) {
    return new SymbolApi(
        Native.load(
            dbghelpPath,
            DbgHelp.class,
            Map.of(Library.OPTION_TYPE_MAPPER, W32APITypeMapper.UNICODE)),
        Native.load("psapi", PsapiEx.class, W32APIOptions.DEFAULT_OPTIONS),
        Kernel32.INSTANCE,
        Native::getLastError);
  }
}
