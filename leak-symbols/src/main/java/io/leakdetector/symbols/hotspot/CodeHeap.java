package io.leakdetector.symbols.hotspot;

/**
 * One of HotSpot's code heaps: its code lies in {@code [low, high)}, and its segment map (one byte
 * per segment of {@code 1 << log2SegmentSize} bytes) leads from any segment to its block's first.
 */
public record CodeHeap(long low, long high, long segmap, int log2SegmentSize) {
  public boolean contains(long address) {
    return Long.compareUnsigned(address - low, high - low) < 0;
  }
}
