package io.leakdetector.etw.win32;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.win32.W32APITypeMapper;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The Win32 functions the ETW source calls, and how to read the calling thread's last error. {@link
 * #load()} binds the real DLLs; tests pass scripted implementations.
 *
 * @param advapi32 event tracing
 * @param kernel32 processes and handles
 * @param lastError the last error of the calling thread's most recent call through these
 */
public record WindowsApi(Advapi32 advapi32, Kernel32 kernel32, IntSupplier lastError) {

  /** Binds advapi32.dll and kernel32.dll through JNA (Windows only). */
  public static WindowsApi load() {
    Map<String, Object> options = Map.of(Library.OPTION_TYPE_MAPPER, W32APITypeMapper.UNICODE);
    return new WindowsApi(
        Native.load("advapi32", Advapi32.class, options),
        Native.load("kernel32", Kernel32.class, options),
        Native::getLastError);
  }
}
