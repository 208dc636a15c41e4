package io.leakdetector.etw;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.leakdetector.etw.decode.EtwGuids;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.Guid;
import io.leakdetector.etw.win32.Utf16;
import io.leakdetector.etw.win32.WinError;
import java.util.Arrays;

/**
 * The running ETW sessions, from QueryAllTracesW: which one holds the heap provider GUID (Windows
 * allows one session with that GUID, whatever its name).
 */
final class SessionTable {
  /** Sessions listed at most (Windows allows 64 by default, EtwMaxLoggers up to 256). */
  static final int MAX_SESSIONS = 256;

  private SessionTable() {}

  /** The name of the session whose GUID is the heap provider's, or null (none, or not known). */
  static String heapSessionName(EventTracing etw) {
    Memory[] buffers = new Memory[MAX_SESSIONS];
    Pointer[] array = new Pointer[MAX_SESSIONS];
    for (int i = 0; i < MAX_SESSIONS; i++) {
      buffers[i] = SessionProperties.forControl();
      array[i] = buffers[i];
    }
    IntByReference count = new IntByReference();
    int result = etw.QueryAllTracesW(array, MAX_SESSIONS, count);
    if (result != WinError.ERROR_SUCCESS && result != WinError.ERROR_MORE_DATA) {
      return null;
    }
    byte[] heapGuid = Guid.bytes(EtwGuids.HEAP_PROVIDER);
    for (int i = 0; i < Math.min(count.getValue(), MAX_SESSIONS); i++) {
      byte[] guid = buffers[i].getByteArray(SessionProperties.WNODE_GUID, 16);
      if (Arrays.equals(guid, heapGuid)) {
        int nameOffset = buffers[i].getInt(SessionProperties.LOGGER_NAME_OFFSET);
        return nameOffset > 0 ? Utf16.read(buffers[i], nameOffset, 1024) : "";
      }
    }
    return null;
  }
}
