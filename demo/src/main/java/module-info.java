/**
 * LeakDetector's demo: the native demo program (packaged as resources, see {@link
 * io.leakdetector.demo.NativeDemo}) and a runnable example of the library API ({@link
 * io.leakdetector.demo.EmbeddingExample}).
 */
module io.leakdetector.demo {
  requires io.leakdetector.api;

  exports io.leakdetector.demo;
}
