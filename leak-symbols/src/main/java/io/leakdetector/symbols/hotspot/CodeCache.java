package io.leakdetector.symbols.hotspot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A HotSpot JVM's generated code: where the interpreter and the code heaps lie, which code blob
 * holds an address (through a heap's segment map) and what it is.
 */
public final class CodeCache {
  private static final long HEAPS_REFRESH_NANOS = 1_000_000_000L;

  private final HotSpotVm vm;
  private final HotSpotLayout layout;
  private final ProcessMemory memory;
  private final JavaMethods methods;
  private List<CodeHeap> knownHeaps = List.of();
  private long heapsReadAt;

  CodeCache(HotSpotVm vm, JavaMethods methods) {
    this.vm = vm;
    this.layout = vm.layout();
    this.memory = vm.memory();
    this.methods = methods;
  }

  /** The interpreter's code: {@code [start, end)}, or {0, 0} when not known yet. */
  public long[] interpreterRange() {
    long queue = vm.readPointer(layout.interpreterCode());
    if (queue == 0) {
      return new long[2];
    }
    long start = vm.readPointer(queue + layout.stubQueueBuffer());
    if (start == 0 || !memory.fill(queue + layout.stubQueueLimit(), intBuffer())) {
      return new long[2];
    }
    return new long[] {start, start + intBuffer.getInt(0)};
  }

  /** The code heaps' address ranges, {@code [low, high)} pairs. */
  public List<CodeHeap> codeHeaps() {
    long array = vm.readPointer(layout.codeCacheHeaps());
    if (array == 0 || !memory.fill(array + layout.growableArrayLength(), intBuffer())) {
      return List.of();
    }
    int length = intBuffer.getInt(0);
    long data = vm.readPointer(array + layout.growableArrayData());
    if (length <= 0 || length > 16 || data == 0) {
      return List.of();
    }
    List<CodeHeap> heaps = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      long heap = vm.readPointer(data + 8L * i);
      if (heap == 0) {
        continue;
      }
      long low = vm.readPointer(heap + layout.codeHeapMemory() + layout.virtualSpaceLowBoundary());
      long high =
          vm.readPointer(heap + layout.codeHeapMemory() + layout.virtualSpaceHighBoundary());
      long segmap = vm.readPointer(heap + layout.codeHeapSegmap() + layout.virtualSpaceLow());
      if (low == 0
          || high <= low
          || segmap == 0
          || !memory.fill(heap + layout.codeHeapLog2SegmentSize(), intBuffer())) {
        continue;
      }
      heaps.add(new CodeHeap(low, high, segmap, intBuffer.getInt(0)));
    }
    return List.copyOf(heaps);
  }

  private final ByteBuffer intBuffer = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);

  private ByteBuffer intBuffer() {
    intBuffer.clear();
    return intBuffer;
  }

  /**
   * The code blob that holds {@code pc} in {@code heap} (found through the segment map, as
   * HotSpot's {@code CodeHeap::find_blob} does), or 0 when pc lies in free space.
   */
  public long codeBlobAt(CodeHeap heap, long pc) {
    long segment = (pc - heap.low()) >>> heap.log2SegmentSize();
    ByteBuffer window = segmapWindow;
    long windowStart = -1;
    for (int hops = 0; hops < 100_000; hops++) {
      if (windowStart < 0 || segment < windowStart) {
        windowStart = Math.max(0, segment - (window.capacity() - 1));
        window.clear();
        window.limit((int) (segment - windowStart + 1));
        if (!memory.fill(heap.segmap() + windowStart, window)) {
          return 0;
        }
      }
      int hop = window.get((int) (segment - windowStart)) & 0xFF;
      if (hop == 0xFF) {
        return 0; // a free segment
      }
      if (hop == 0) {
        long block = heap.low() + (segment << heap.log2SegmentSize());
        ByteBuffer used = memory.bytes(block + layout.heapBlockUsed(), 1);
        return used != null && used.get(0) != 0 ? block + layout.heapBlockSize() : 0;
      }
      segment -= hop;
      if (segment < 0) {
        return 0;
      }
    }
    return 0;
  }

  private final ByteBuffer segmapWindow = ByteBuffer.allocateDirect(1024);

  /**
   * What the code cache holds at {@code pc}: a compiled method's qualified name, else the code
   * blob's own name ({@code StubRoutines (1)}, {@code native nmethod} …), with the blob's start; or
   * null when pc lies in no code heap's used block.
   */
  public CodeName codeName(long pc) {
    long now = System.nanoTime();
    if (knownHeaps.isEmpty() || now - heapsReadAt > HEAPS_REFRESH_NANOS) {
      knownHeaps = codeHeaps();
      heapsReadAt = now;
    }
    for (CodeHeap heap : knownHeaps) {
      if (!heap.contains(pc)) {
        continue;
      }
      long blob = codeBlobAt(heap, pc);
      ByteBuffer header = blob == 0 ? null : memory.bytes(blob, layout.codeBlobBytes());
      if (header == null
          || Long.compareUnsigned(pc - blob, header.getInt((int) layout.codeBlobSize())) >= 0) {
        return null;
      }
      String kind = memory.cString(header.getLong((int) layout.codeBlobName()), 128);
      if (kind == null) {
        return null;
      }
      if (kind.equals("nmethod") || kind.equals("native nmethod")) {
        long methodPointer = vm.readPointer(blob + layout.compiledMethodMethod());
        String method = methods.methodName(methodPointer);
        if (method != null) {
          List<JavaFrame> frames = CompiledScopes.at(vm, blob, pc, methodPointer);
          return new CodeName(
              method,
              blob,
              true,
              frames.isEmpty() ? List.of(new JavaFrame(method, null, 0)) : frames);
        }
      }
      return new CodeName(kind, blob, false, List.of());
    }
    return null;
  }
}
