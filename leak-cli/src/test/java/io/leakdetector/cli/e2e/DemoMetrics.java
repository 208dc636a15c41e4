package io.leakdetector.cli.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OpenTelemetry metrics of the demo after some rounds, by their Prometheus names (what both
 * VictoriaMetrics with {@code -opentelemetry.usePrometheusNaming} and the Prometheus endpoint show;
 * leak-export-otel's README lists them).
 */
final class DemoMetrics {
  static final String STACK_BYTES = "leak_stack_outstanding_bytes";
  static final String STACK_ALLOCATIONS = "leak_stack_outstanding_allocations";
  static final String TOP_FRAME = "leak_stack_top_frame";

  private DemoMetrics() {}

  /** The process totals after {@code rounds} rounds traced from before the first. */
  static Map<String, Long> totals(long rounds) {
    Map<String, Long> totals = new LinkedHashMap<>();
    totals.put("leak_allocations_total", DemoRounds.allocations(rounds));
    totals.put("leak_frees_total", DemoRounds.frees(rounds));
    totals.put("leak_allocated_bytes_total", DemoRounds.allocatedBytes(rounds));
    totals.put("leak_freed_bytes_total", DemoRounds.freedBytes(rounds));
    totals.put("leak_outstanding_bytes", DemoRounds.BYTES_PER_ROUND * rounds);
    totals.put("leak_outstanding_allocations", DemoRounds.BLOCKS_PER_ROUND * rounds);
    totals.put("leak_stacks", 4L);
    totals.put("leak_lost_events_total", 0L);
    totals.put("leak_unmatched_frees_total", 0L);
    totals.put("leak_dropped_allocations_total", 0L);
    return totals;
  }

  /** Outstanding bytes per stack, by the pattern function of its top frame. */
  static Map<String, Long> stackBytes(long rounds) {
    Map<String, Long> bytes = new LinkedHashMap<>();
    DemoRounds.after(rounds).forEach(p -> bytes.put(p.function(), p.outstandingBytes()));
    return bytes;
  }

  /** Outstanding allocations per stack, by the pattern function of its top frame. */
  static Map<String, Long> stackAllocations(long rounds) {
    Map<String, Long> count = new LinkedHashMap<>();
    DemoRounds.after(rounds).forEach(p -> count.put(p.function(), p.outstandingCount()));
    return count;
  }

  /** {@code demo!leak_fixed_blocks+0x18} → {@code leak_fixed_blocks}. */
  static String function(String topFrame) {
    if (topFrame == null || !topFrame.startsWith("demo!") || !topFrame.contains("+0x")) {
      return "not a demo frame: " + topFrame;
    }
    return topFrame.substring("demo!".length(), topFrame.indexOf("+0x"));
  }
}
