package io.leakdetector.etw;

import com.sun.jna.platform.win32.WinDef.DWORD;
import com.sun.jna.platform.win32.WinError;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinNT.HANDLEByReference;
import io.leakdetector.etw.win32.WindowsApi;

/**
 * Enables SeDebugPrivilege in our own token when the user holds it (administrators do, but it is
 * off until enabled), as PerfView can: without it, opening services' and other users' processes
 * fails even from an elevated console. AdjustTokenPrivileges succeeds without enabling a privilege
 * that is not held, and says so only through ERROR_NOT_ALL_ASSIGNED.
 */
final class DebugPrivilege {
  enum State {
    ENABLED,
    NOT_HELD,
    FAILED
  }

  private DebugPrivilege() {}

  static State enable(WindowsApi api) {
    HANDLEByReference token = new HANDLEByReference();
    if (!api.advapi32()
        .OpenProcessToken(
            api.kernel32().GetCurrentProcess(),
            WinNT.TOKEN_ADJUST_PRIVILEGES | WinNT.TOKEN_QUERY,
            token)) {
      return State.FAILED;
    }
    try {
      WinNT.LUID luid = new WinNT.LUID();
      if (!api.advapi32().LookupPrivilegeValue(null, WinNT.SE_DEBUG_NAME, luid)) {
        return State.FAILED;
      }
      WinNT.TOKEN_PRIVILEGES privileges = new WinNT.TOKEN_PRIVILEGES(1);
      privileges.Privileges[0] =
          new WinNT.LUID_AND_ATTRIBUTES(luid, new DWORD(WinNT.SE_PRIVILEGE_ENABLED));
      if (!api.advapi32()
          .AdjustTokenPrivileges(token.getValue(), false, privileges, 0, null, null)) {
        return State.FAILED;
      }
      return api.lastError().getAsInt() == WinError.ERROR_NOT_ALL_ASSIGNED
          ? State.NOT_HELD
          : State.ENABLED;
    } finally {
      api.kernel32().CloseHandle(token.getValue());
    }
  }
}
