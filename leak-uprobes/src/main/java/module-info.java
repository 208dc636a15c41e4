/** The Linux heap event source: uprobe PMU probes on the target's allocator, perf rings. */
module io.leakdetector.uprobes {
  requires io.leakdetector.api;
  requires io.leakdetector.symbols;
  requires com.sun.jna;
}
