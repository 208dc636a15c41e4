/** A runnable example of the library API, tracing the native demo program. */
module io.leakdetector.demo {
  requires io.leakdetector.api;
}
