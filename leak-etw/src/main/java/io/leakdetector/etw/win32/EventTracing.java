package io.leakdetector.etw.win32;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.win32.StdCallLibrary;

/**
 * The event tracing functions of advapi32.dll (evntrace.h, evntcons.h), as JNA binds them
 * (jna-platform has none of them). The JNA proxy from {@link WindowsApi#load()} is one
 * implementation; tests script another. Every constant here is checked against the mingw-w64
 * headers, every function against libadvapi32.a.
 *
 * <p>{@code TRACEHANDLE} is 64-bit on every Windows, hence {@code long}. Only a 64-bit JVM is
 * supported.
 */
public interface EventTracing extends StdCallLibrary {

  int WNODE_FLAG_TRACED_GUID = 0x00020000;

  int EVENT_TRACE_REAL_TIME_MODE = 0x00000100;
  int EVENT_TRACE_INDEPENDENT_SESSION_MODE = 0x08000000;
  int EVENT_TRACE_SYSTEM_LOGGER_MODE = 0x02000000;
  int EVENT_TRACE_FLAG_PROCESS = 0x00000001;
  int EVENT_TRACE_FLAG_IMAGE_LOAD = 0x00000004;
  int EVENT_TRACE_FLAG_EXTENSION = 0x80000000;

  int EVENT_TRACE_CONTROL_QUERY = 0;
  int EVENT_TRACE_CONTROL_STOP = 1;

  int PROCESS_TRACE_MODE_REAL_TIME = 0x00000100;
  int PROCESS_TRACE_MODE_RAW_TIMESTAMP = 0x00001000;
  int PROCESS_TRACE_MODE_EVENT_RECORD = 0x10000000;

  long INVALID_PROCESSTRACE_HANDLE = -1L;

  int EVENT_HEADER_FLAG_EXTENDED_INFO = 0x0001;
  int EVENT_HEADER_FLAG_32_BIT_HEADER = 0x0020;
  int EVENT_HEADER_FLAG_64_BIT_HEADER = 0x0040;

  int EVENT_HEADER_EXT_TYPE_STACK_TRACE32 = 0x0005;
  int EVENT_HEADER_EXT_TYPE_STACK_TRACE64 = 0x0006;

  /*
   * The callbacks are plain (C convention) callbacks: x64 Windows has one calling convention, so
   * WINAPI and C agree there (FACTS.md, "Consumer"), and unlike stdcall ones JNA can create them on
   * Linux, where the tests call them through real native function pointers.
   */

  /** {@code PEVENT_RECORD_CALLBACK}: receives each event; the record is valid only during it. */
  interface EventRecordCallback extends Callback {
    void callback(Pointer eventRecord);
  }

  /** {@code PEVENT_TRACE_BUFFER_CALLBACKW}: after each buffer; return 0 to stop processing. */
  interface BufferCallback extends Callback {
    int callback(Pointer logfile);
  }

  /** Starts a session; returns a Win32 error code. */
  int StartTraceW(LongByReference sessionHandle, WString sessionName, Pointer properties);

  /** Queries, updates or stops a session given by handle or (handle 0) by name. */
  int ControlTraceW(long sessionHandle, WString sessionName, Pointer properties, int controlCode);

  /** Opens a consumer; {@link #INVALID_PROCESSTRACE_HANDLE} on failure (see last error). */
  long OpenTraceW(EventTraceLogfileW logfile);

  /** Delivers events to the callbacks; blocks until the trace ends. */
  int ProcessTrace(long[] handleArray, int handleCount, Pointer startTime, Pointer endTime);

  /**
   * Lists the running sessions: fills the {@code count} property buffers {@code properties} points
   * at (each with Wnode.BufferSize, LoggerNameOffset and LogFileNameOffset set) and stores how many
   * sessions there were.
   */
  int QueryAllTracesW(Pointer[] properties, int count, IntByReference sessionCount);

  /** Closes a consumer handle from {@link #OpenTraceW}. */
  int CloseTrace(long traceHandle);
}
