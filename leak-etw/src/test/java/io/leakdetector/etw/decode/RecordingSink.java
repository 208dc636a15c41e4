package io.leakdetector.etw.decode;

import io.leakdetector.spi.ForwardingHeapEventSink;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.StreamListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sink that records every call in order, and keeps the exact outstanding blocks by (heap,
 * address) with the engine's semantics, so a test can assert both the event stream and the end
 * state. Optionally forwards to another sink (the real engine), with that sink's stack ids. As the
 * stream listener it records the end of the stream among the calls and keeps the modules mapped; a
 * test starts a source with {@code source.start(sink, sink)}.
 */
public class RecordingSink extends ForwardingHeapEventSink implements StreamListener {
  public record Block(long heap, long address) {}

  public record Live(long size, List<Long> frames) {}

  private final Map<List<Long>, Integer> ids = new HashMap<>();
  private final List<List<Long>> stacks = new ArrayList<>();
  private final Map<Integer, Integer> forwardedIds = new HashMap<>();
  public final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
  public final Map<Block, Live> outstanding = new LinkedHashMap<>();
  public final List<ModuleMapping> modules =
      java.util.Collections.synchronizedList(new ArrayList<>());
  final List<Long> times = new ArrayList<>();
  public long lost;
  int batchDepth;
  int batches;

  public RecordingSink() {
    this(HeapEventSink.NONE);
  }

  public RecordingSink(HeapEventSink next) {
    super(next);
  }

  List<Long> frames(int stackId) {
    return stacks.get(stackId);
  }

  @Override
  public int internStack(long[] frames, int offset, int length) {
    requireBatch();
    List<Long> key = new ArrayList<>();
    for (long frame : Arrays.copyOfRange(frames, offset, offset + length)) {
      key.add(frame);
    }
    Integer id = ids.get(key);
    if (id == null) {
      id = stacks.size();
      ids.put(key, id);
      stacks.add(key);
      forwardedIds.put(id, super.internStack(frames, offset, length));
    }
    return id;
  }

  @Override
  public void onAlloc(long timeNanos, long heap, long address, long size, int stackId) {
    requireBatch();
    calls.add(
        "alloc "
            + hex(heap)
            + " "
            + hex(address)
            + " "
            + size
            + " "
            + hexList(stacks.get(stackId)));
    times.add(timeNanos);
    outstanding.put(new Block(heap, address), new Live(size, stacks.get(stackId)));
    super.onAlloc(timeNanos, heap, address, size, forwardedIds.get(stackId));
  }

  @Override
  public void onFree(long timeNanos, long heap, long address) {
    requireBatch();
    calls.add("free " + hex(heap) + " " + hex(address));
    times.add(timeNanos);
    outstanding.remove(new Block(heap, address));
    super.onFree(timeNanos, heap, address);
  }

  @Override
  public void onRealloc(
      long timeNanos, long heap, long oldAddress, long newAddress, long newSize, int stackId) {
    requireBatch();
    calls.add(
        "realloc "
            + hex(heap)
            + " "
            + hex(oldAddress)
            + "->"
            + hex(newAddress)
            + " "
            + newSize
            + " "
            + hexList(stacks.get(stackId)));
    times.add(timeNanos);
    outstanding.remove(new Block(heap, oldAddress));
    outstanding.put(new Block(heap, newAddress), new Live(newSize, stacks.get(stackId)));
    super.onRealloc(timeNanos, heap, oldAddress, newAddress, newSize, forwardedIds.get(stackId));
  }

  @Override
  public void onHeapDestroy(long timeNanos, long heap) {
    requireBatch();
    calls.add("destroy " + hex(heap));
    times.add(timeNanos);
    outstanding.keySet().removeIf(block -> block.heap() == heap);
    super.onHeapDestroy(timeNanos, heap);
  }

  @Override
  public void onLost(long count) {
    lost += count;
    super.onLost(count);
  }

  @Override
  public void onModuleMapped(ModuleMapping mapping) {
    modules.add(mapping);
  }

  @Override
  public void onTargetExit(int exitCode) {
    calls.add("exit " + exitCode);
  }

  @Override
  public void onSourceFailure(String message) {
    calls.add("failure " + message);
  }

  @Override
  public void beginBatch() {
    if (batchDepth != 0) {
      throw new AssertionError("nested batch");
    }
    batchDepth++;
    batches++;
    super.beginBatch();
  }

  @Override
  public void endBatch() {
    if (batchDepth != 1) {
      throw new AssertionError("endBatch without beginBatch");
    }
    batchDepth--;
    super.endBatch();
  }

  private void requireBatch() {
    if (batchDepth != 1) {
      throw new AssertionError("sink called outside a batch");
    }
  }

  static String hexList(List<Long> frames) {
    return frames.stream().map(RecordingSink::hex).toList().toString();
  }

  public static String hex(long value) {
    return "0x" + Long.toHexString(value);
  }
}
