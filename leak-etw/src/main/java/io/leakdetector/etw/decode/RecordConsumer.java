package io.leakdetector.etw.decode;

import com.sun.jna.Pointer;

/** What a real-time consumer thread feeds: each event record, each buffer's end, the end. */
public interface RecordConsumer {
  /** The event record callback's body; never throws. */
  void onEvent(Pointer record);

  /** After each ETW buffer; never throws. */
  void endOfBuffer();

  /** Once ProcessTrace has returned: deliver what is still held; never throws. */
  void flush();
}
