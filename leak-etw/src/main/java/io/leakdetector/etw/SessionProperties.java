package io.leakdetector.etw;

import com.sun.jna.Memory;
import io.leakdetector.etw.decode.EtwGuids;
import io.leakdetector.etw.win32.EventTraceProperties;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.Guid;
import io.leakdetector.etw.win32.Utf16;

/**
 * Builds the {@code EVENT_TRACE_PROPERTIES} buffers: the structure, then the session name, then
 * (for StartTrace) the enable-flags extension block, all in one zeroed buffer whose size is in
 * {@code Wnode.BufferSize}.
 */
final class SessionProperties {
  /** sizeof(EVENT_TRACE_PROPERTIES) on x64; the session name follows it. */
  static final int STRUCT_SIZE = 120;

  /** Room for a session name and a log file name of 1024 characters each (as TraceEvent). */
  static final int CONTROL_SIZE = STRUCT_SIZE + 2 * 1024 * 2;

  /** Where a control buffer leaves room for the log file name ControlTrace may return. */
  static final int LOG_FILE_NAME_AREA = STRUCT_SIZE + 1024 * 2;

  /** QPC timestamps (Wnode.ClientContext = 1). */
  static final int CLOCK_QPC = 1;

  /** Flush buffers to the consumer at least every second. */
  static final int FLUSH_SECONDS = 1;

  /** Offsets this class and its readers use (checked against mingw's offsetof). */
  static final int WNODE_BUFFER_SIZE = 0;

  static final int WNODE_GUID = 24;
  static final int ENABLE_FLAGS = 72;
  static final int EVENTS_LOST = 88;
  static final int LOG_BUFFERS_LOST = 96;
  static final int REAL_TIME_BUFFERS_LOST = 100;
  static final int LOGGER_NAME_OFFSET = 116;

  private SessionProperties() {}

  /** Where the extension block starts: after the name's NUL, padded to 8 bytes. */
  static int extensionOffset(String sessionName) {
    int nameEnd = STRUCT_SIZE + Utf16.bytes(sessionName).length;
    return (nameEnd + 7) & ~7;
  }

  /** The StartTrace buffer of the heap session for {@code processId}. */
  static Memory forStart(String sessionName, int processId, BufferSettings buffers) {
    int[] block = EnableFlagsExtension.heapSession(processId);
    int extensionOffset = extensionOffset(sessionName);
    int size = extensionOffset + 4 * block.length;
    Memory memory = zeroed(size);
    EventTraceProperties properties = header(memory, size, 0);
    properties.BufferSize = buffers.bufferKib();
    properties.MinimumBuffers = buffers.minimumBuffers();
    properties.MaximumBuffers = buffers.maximumBuffers();
    properties.LogFileMode =
        EventTracing.EVENT_TRACE_REAL_TIME_MODE | EventTracing.EVENT_TRACE_INDEPENDENT_SESSION_MODE;
    properties.FlushTimer = FLUSH_SECONDS;
    properties.EnableFlags = EnableFlagsExtension.enableFlags(extensionOffset);
    properties.write();
    Utf16.write(memory, STRUCT_SIZE, sessionName);
    memory.write(extensionOffset, block, 0, block.length);
    return memory;
  }

  /**
   * The StartTrace buffer of a private system-logger session (Windows 8+): kernel events by {@code
   * enableFlags} in a session of our own instead of the single NT Kernel Logger; its GUID is ours,
   * as it must not be SystemTraceControlGuid.
   */
  static Memory forSystemLogger(
      String sessionName, java.util.UUID guid, int enableFlags, int bufferKib, int buffers) {
    int size = STRUCT_SIZE + Utf16.bytes(sessionName).length;
    Memory memory = zeroed(size);
    EventTraceProperties properties = header(memory, size, 0);
    properties.Wnode.Guid = Guid.of(guid);
    properties.BufferSize = bufferKib;
    properties.MinimumBuffers = buffers;
    properties.MaximumBuffers = buffers;
    properties.LogFileMode =
        EventTracing.EVENT_TRACE_REAL_TIME_MODE | EventTracing.EVENT_TRACE_SYSTEM_LOGGER_MODE;
    properties.FlushTimer = FLUSH_SECONDS;
    properties.EnableFlags = enableFlags;
    properties.write();
    Utf16.write(memory, STRUCT_SIZE, sessionName);
    return memory;
  }

  /** A buffer for ControlTrace QUERY or STOP by name: room for both names. */
  static Memory forControl() {
    Memory memory = zeroed(CONTROL_SIZE);
    resetControl(memory);
    return memory;
  }

  /** Zeroes a control buffer again and resets the fields ControlTrace needs. */
  static void resetControl(Memory memory) {
    memory.clear();
    header(memory, (int) memory.size(), LOG_FILE_NAME_AREA).write();
  }

  private static EventTraceProperties header(Memory memory, int size, int logFileNameOffset) {
    EventTraceProperties properties = new EventTraceProperties(memory);
    properties.Wnode.BufferSize = size;
    properties.Wnode.Guid = Guid.of(EtwGuids.HEAP_PROVIDER);
    properties.Wnode.ClientContext = CLOCK_QPC;
    properties.Wnode.Flags = EventTracing.WNODE_FLAG_TRACED_GUID;
    properties.LogFileNameOffset = logFileNameOffset;
    properties.LoggerNameOffset = STRUCT_SIZE;
    return properties;
  }

  private static Memory zeroed(int size) {
    Memory memory = new Memory(size);
    memory.clear();
    return memory;
  }
}
