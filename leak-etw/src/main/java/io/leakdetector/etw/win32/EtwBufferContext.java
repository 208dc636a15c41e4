package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/**
 * {@code ETW_BUFFER_CONTEXT} (evntrace.h); the union mapped by ProcessorIndex (or ProcessorNumber +
 * Alignment).
 */
@FieldOrder({"ProcessorIndex", "LoggerId"})
public class EtwBufferContext extends WinStructure {
  public short ProcessorIndex;
  public short LoggerId;
}
