package io.leakdetector.internal.engine;

import io.leakdetector.EventCounts;
import io.leakdetector.HeapTotals;
import java.util.List;

/** What the engine holds at one moment: consistent totals, counts and the selected stacks. */
public record EngineSnapshot(HeapTotals totals, EventCounts counts, List<RawStack> stacks) {}
