package io.leakdetector.symbols.windows;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.win32.W32APITypeMapper;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The Win32 functions the dbghelp resolver calls; {@link #load} binds the real DLLs, tests pass
 * scripted ones.
 *
 * @param dbghelp the dbghelp.dll chosen by {@link DbgHelpLocator}
 * @param psapi module enumeration
 * @param kernel32 process handles
 * @param lastError the calling thread's last error after a call through these
 */
public record SymbolApi(DbgHelp dbghelp, Psapi psapi, ProcessApi kernel32, IntSupplier lastError) {

  /** Binds dbghelp.dll from {@code dbghelpPath} (a full path), psapi.dll and kernel32.dll. */
  public static SymbolApi load(String dbghelpPath) {
    Map<String, Object> options = Map.of(Library.OPTION_TYPE_MAPPER, W32APITypeMapper.UNICODE);
    return new SymbolApi(
        Native.load(dbghelpPath, DbgHelp.class, options),
        Native.load("psapi", Psapi.class, options),
        Native.load("kernel32", ProcessApi.class, options),
        Native::getLastError);
  }
}
