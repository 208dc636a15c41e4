package io.leakdetector.etw.win32;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.win32.W32APIOptions;
import com.sun.jna.win32.W32APITypeMapper;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The Win32 functions the ETW source calls, and how to read the calling thread's last error. {@link
 * #load()} binds the real DLLs; tests pass scripted implementations.
 *
 * @param etw event tracing (advapi32, our binding)
 * @param kernel32 processes, handles, device names (jna-platform, plus {@link Kernel32Ex})
 * @param advapi32 privileges and the registry (jna-platform)
 * @param lastError the last error of the calling thread's most recent call through these
 */
public record WindowsApi(
    EventTracing etw, Kernel32Ex kernel32, Advapi32 advapi32, IntSupplier lastError) {

  /** Binds advapi32.dll and kernel32.dll through JNA (Windows only). */
  public static WindowsApi load() {
    return new WindowsApi(
        Native.load(
            "advapi32",
            EventTracing.class,
            Map.of(Library.OPTION_TYPE_MAPPER, W32APITypeMapper.UNICODE)),
        Native.load("kernel32", Kernel32Ex.class, W32APIOptions.DEFAULT_OPTIONS),
        Advapi32.INSTANCE,
        Native::getLastError);
  }
}
