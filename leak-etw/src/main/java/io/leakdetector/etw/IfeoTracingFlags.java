package io.leakdetector.etw;

import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.WinError;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinReg;
import com.sun.jna.ptr.IntByReference;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;

/**
 * The Image File Execution Options value {@code TracingFlags = 1} for one program, PerfView's way
 * to trace a program from its first allocation (FACTS.md, "Launch"): ntdll enables heap events for
 * a process whose IFEO key has it, and a heap session for process id 0 receives them. {@link
 * #restore} puts back what was there before (the value, or its absence, and the key if we created
 * it); the source calls it on every exit path.
 */
final class IfeoTracingFlags {
  static final String IFEO =
      "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\";

  static final String VALUE = "TracingFlags";

  private final Advapi32 advapi32;
  private final String key;
  private boolean set;
  private boolean createdKey;
  private Integer previous;

  private IfeoTracingFlags(Advapi32 advapi32, String exeName) {
    this.advapi32 = advapi32;
    this.key = IFEO + exeName;
  }

  /** The key of an executable's file name ({@code demo} is {@code demo.exe}, as CreateProcess). */
  static String imageName(String program) {
    String name = LaunchedProcess.fileName(program);
    return name.contains(".") ? name : name + ".exe";
  }

  /** Sets {@code TracingFlags = 1} for {@code program}'s image name. */
  static IfeoTracingFlags set(Advapi32 advapi32, String program) throws LeakDetectorException {
    IfeoTracingFlags flags = new IfeoTracingFlags(advapi32, imageName(program));
    flags.set();
    return flags;
  }

  String key() {
    return key;
  }

  private synchronized void set() throws LeakDetectorException {
    WinReg.HKEYByReference handle = new WinReg.HKEYByReference();
    IntByReference disposition = new IntByReference();
    int result =
        advapi32.RegCreateKeyEx(
            WinReg.HKEY_LOCAL_MACHINE,
            key,
            0,
            null,
            WinNT.REG_OPTION_NON_VOLATILE,
            WinNT.KEY_QUERY_VALUE | WinNT.KEY_SET_VALUE | WinNT.KEY_WOW64_64KEY,
            null,
            handle,
            disposition);
    if (result != WinError.ERROR_SUCCESS) {
      throw failure(result);
    }
    try {
      createdKey = disposition.getValue() == WinNT.REG_CREATED_NEW_KEY;
      IntByReference type = new IntByReference();
      IntByReference value = new IntByReference();
      IntByReference size = new IntByReference(4);
      int query = advapi32.RegQueryValueEx(handle.getValue(), VALUE, 0, type, value, size);
      previous =
          query == WinError.ERROR_SUCCESS && type.getValue() == WinNT.REG_DWORD
              ? value.getValue()
              : null;
      result = write(handle.getValue(), 1);
      if (result != WinError.ERROR_SUCCESS) {
        throw failure(result);
      }
      set = true;
    } finally {
      advapi32.RegCloseKey(handle.getValue());
    }
  }

  /** Puts back what was there before; idempotent, never throws. */
  synchronized void restore() {
    if (!set) {
      return;
    }
    set = false;
    WinReg.HKEYByReference handle = new WinReg.HKEYByReference();
    int opened =
        advapi32.RegOpenKeyEx(
            WinReg.HKEY_LOCAL_MACHINE, key, 0, WinNT.KEY_SET_VALUE | WinNT.KEY_WOW64_64KEY, handle);
    if (opened != WinError.ERROR_SUCCESS) {
      return; // the key is gone already
    }
    try {
      if (previous != null) {
        write(handle.getValue(), previous);
      } else {
        advapi32.RegDeleteValue(handle.getValue(), VALUE);
      }
    } finally {
      advapi32.RegCloseKey(handle.getValue());
    }
    if (createdKey) {
      advapi32.RegDeleteKey(WinReg.HKEY_LOCAL_MACHINE, key);
    }
  }

  private int write(WinReg.HKEY handle, int value) {
    byte[] data = {
      (byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)
    };
    return advapi32.RegSetValueEx(handle, VALUE, 0, WinNT.REG_DWORD, data, 4);
  }

  private LeakDetectorException failure(int error) {
    if (error == WinError.ERROR_ACCESS_DENIED) {
      return new LeakDetectorException(
          Kind.NOT_PERMITTED,
          "Tracing a program from its start sets "
              + VALUE
              + " under HKLM\\"
              + key
              + ": run from an administrator console.");
    }
    return new LeakDetectorException(
        Kind.SOURCE_FAILED,
        "Could not set " + VALUE + " under HKLM\\" + key + " (registry error " + error + ").");
  }
}
