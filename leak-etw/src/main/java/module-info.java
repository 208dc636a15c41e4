/** The Windows heap event source: an ETW heap tracing session through JNA. */
module io.leakdetector.etw {
  requires io.leakdetector.api;
  requires com.sun.jna;
}
