/**
 * The Linux heap event source: uprobe PMU probes on the target's allocator, read through
 * perf_event_open ring buffers. Provides the {@code uprobes} {@link
 * io.leakdetector.spi.HeapEventSourceProvider}.
 */
module io.leakdetector.uprobes {
  requires io.leakdetector.api;
  requires io.leakdetector.symbols;
  requires com.sun.jna;

  provides io.leakdetector.spi.HeapEventSourceProvider with
      io.leakdetector.uprobes.UprobesSourceProvider;
}
