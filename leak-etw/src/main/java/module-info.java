/**
 * The Windows heap event source: an ETW heap session through JNA ({@code etw}).
 *
 * <p>{@code io.leakdetector.etw.win32} holds the JNA bindings (opened to JNA, which reflects on the
 * structures and implements the library interfaces); {@code io.leakdetector.etw.decode} decodes the
 * events straight from native memory.
 */
module io.leakdetector.etw {
  requires io.leakdetector.api;
  requires com.sun.jna;
  requires com.sun.jna.platform;

  opens io.leakdetector.etw.win32 to
      com.sun.jna;

  provides io.leakdetector.spi.HeapEventSourceProvider with
      io.leakdetector.etw.EtwHeapEventSourceProvider;
}
