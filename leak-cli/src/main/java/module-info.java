/** The leakdetector command. */
module io.leakdetector.cli {
  requires io.leakdetector.api;
  requires info.picocli;
}
