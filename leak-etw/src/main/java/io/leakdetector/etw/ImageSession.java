package io.leakdetector.etw;

import com.sun.jna.Memory;
import com.sun.jna.WString;
import com.sun.jna.ptr.LongByReference;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.Guid;
import io.leakdetector.etw.win32.WinError;
import java.util.UUID;

/**
 * A private system-logger session (Windows 8+) with the kernel's image-load and process events, run
 * beside the heap session as PerfView runs its kernel session, so that every module the target
 * loads is known even if it is unloaded again before the next interval or loaded just before exit
 * (FACTS.md, "Module events"). It does not take the single NT Kernel Logger. Not being able to
 * start it is not fatal: the symbol resolver then polls the module list instead.
 */
final class ImageSession {
  static final String NAME = "LeakDetectorImageSession";

  /** Our session GUID (any GUID but SystemTraceControlGuid); fixed, so a stale one is found. */
  static final UUID GUID = UUID.fromString("4c44e7a0-6c3b-4f0e-9a51-1eafde7ec7e1");

  static final int ENABLE_FLAGS =
      EventTracing.EVENT_TRACE_FLAG_IMAGE_LOAD | EventTracing.EVENT_TRACE_FLAG_PROCESS;

  /** Image and process events are few: 16 buffers of 64 KiB. */
  static final int BUFFER_KIB = 64;

  static final int BUFFERS = 16;

  private final EventTracing etw;
  private final String name;
  private final WString wideName;
  private final Memory control = SessionProperties.forControl();
  private boolean running;

  ImageSession(EventTracing etw, String name) {
    this.etw = etw;
    this.name = name;
    this.wideName = new WString(name);
  }

  String name() {
    return name;
  }

  /** Stops a stale session of our name and starts ours; the StartTraceW result (0 = running). */
  synchronized int start() {
    stopByName();
    Memory properties =
        SessionProperties.forSystemLogger(name, GUID, ENABLE_FLAGS, BUFFER_KIB, BUFFERS);
    int result = etw.StartTraceW(new LongByReference(), wideName, properties);
    running = result == WinError.ERROR_SUCCESS;
    return result;
  }

  synchronized void stop() {
    if (running) {
      running = false;
      stopByName();
    }
  }

  private int stopByName() {
    SessionProperties.resetControl(control);
    control.write(SessionProperties.WNODE_GUID, Guid.bytes(GUID), 0, 16);
    return etw.ControlTraceW(0, wideName, control, EventTracing.EVENT_TRACE_CONTROL_STOP);
  }
}
