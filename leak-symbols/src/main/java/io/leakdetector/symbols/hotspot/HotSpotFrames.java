package io.leakdetector.symbols.hotspot;

import io.leakdetector.symbols.unwind.ManagedCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Tells the unwinder how to leave a HotSpot JVM's frames, from the JVM's own metadata read from
 * outside (the way the serviceability agent and the OpenTelemetry eBPF profiler do):
 *
 * <ul>
 *   <li>the interpreter's code (HotSpot's {@code AbstractInterpreter::_code}): an interpreted
 *       frame, followed through rbp, named by the {@code Method*} it keeps at rbp − 24;
 *   <li>a compiled method or runtime stub in the code cache: left by the frame size its code blob
 *       records, which needs no frame pointer ({@code -XX:+PreserveFramePointer} or not);
 *   <li>other code-cache blobs (the call stub, adapters) keep an rbp frame.
 * </ul>
 *
 * What a code address holds is cached for {@link #CACHE_NANOS}: the code cache reuses the space of
 * methods it flushed, so older answers are dropped. Used by one thread (the source's reader).
 */
public final class HotSpotFrames implements ManagedCode {
  static final long CACHE_NANOS = 1_000_000_000L;
  private static final int CACHE_SIZE = 1 << 12;
  private static final long HEAPS_REFRESH_NANOS = 1_000_000_000L;

  /** The tag of an interpreted frame's address: bit 62, never set in a user address. */
  public static final long INTERPRETED_TAG = 0x4000_0000_0000_0000L;

  private static final long METHOD_MASK = 0x0000_FFFF_FFFF_FFFFL;
  private static final int BCI_SHIFT = 48;
  private static final int BCI_MASK = 0x3FFF;

  private final HotSpotVm vm;
  private final boolean framePointersKept;
  private long interpreterStart;
  private long interpreterEnd;
  private List<CodeHeap> heaps = List.of();
  private long heapsReadAt;
  private final ByteBuffer blob;

  // pc -> answer, direct-mapped, cleared every CACHE_NANOS
  private final long[] cachedPc = new long[CACHE_SIZE];
  private final long[] cachedFrame = new long[CACHE_SIZE];
  private long cacheClearedAt = System.nanoTime();

  // Method* -> its ConstMethod's code start, for bytecode indexes
  private final long[] methodKeys = new long[CACHE_SIZE];
  private final long[] methodCode = new long[CACHE_SIZE];

  private final Map<Long, JavaMethod> names;
  private final Map<Long, CodeName> codeNames;

  private HotSpotFrames(
      HotSpotVm vm,
      boolean framePointersKept,
      Map<Long, JavaMethod> names,
      Map<Long, CodeName> codeNames) {
    this.vm = vm;
    this.names = names;
    this.codeNames = codeNames;
    this.blob =
        ByteBuffer.allocateDirect(vm.layout().codeBlobBytes()).order(ByteOrder.LITTLE_ENDIAN);
    this.framePointersKept = framePointersKept;
  }

  /**
   * Frames of {@code vm}; reads where its interpreter and code heaps lie.
   *
   * @param names where the names of the interpreted methods met are kept ({@link
   *     JavaMethodNames#of})
   * @param codeNames where the names of the compiled code met are kept ({@link
   *     JavaMethodNames#code})
   */
  public static HotSpotFrames of(
      HotSpotVm vm, Map<Long, JavaMethod> names, Map<Long, CodeName> codeNames) {
    HotSpotFrames frames =
        new HotSpotFrames(
            vm, vm.booleanFlag("PreserveFramePointer").orElse(false), names, codeNames);
    frames.refreshHeaps(System.nanoTime());
    return frames;
  }

  /** Whether the JVM runs with {@code -XX:+PreserveFramePointer}. */
  @Override
  public boolean framePointersKept() {
    return framePointersKept;
  }

  /** Whether the JVM's interpreter and code heaps are known (it finished starting). */
  public boolean ready() {
    return interpreterEnd != 0 && !heaps.isEmpty();
  }

  private void refreshHeaps(long now) {
    heapsReadAt = now;
    long[] range = vm.codeCache().interpreterRange();
    interpreterStart = range[0];
    interpreterEnd = range[1];
    heaps = vm.codeCache().codeHeaps();
  }

  @Override
  public long frameAt(long pc) {
    if (Long.compareUnsigned(pc - interpreterStart, interpreterEnd - interpreterStart) < 0) {
      return INTERPRETED;
    }
    long now = System.nanoTime();
    if (now - cacheClearedAt > CACHE_NANOS) {
      Arrays.fill(cachedPc, 0);
      Arrays.fill(methodKeys, 0);
      cacheClearedAt = now;
    }
    int slot = (int) (mix(pc) & (CACHE_SIZE - 1));
    if (cachedPc[slot] == pc) {
      return cachedFrame[slot];
    }
    CodeHeap heap = heapOf(pc);
    if (heap == null && !ready() && now - heapsReadAt > HEAPS_REFRESH_NANOS) {
      refreshHeaps(now);
      if (Long.compareUnsigned(pc - interpreterStart, interpreterEnd - interpreterStart) < 0) {
        return INTERPRETED;
      }
      heap = heapOf(pc);
    }
    long frame = heap == null ? NOT_MANAGED : blobFrame(heap, pc);
    cachedPc[slot] = pc;
    cachedFrame[slot] = frame;
    return frame;
  }

  private CodeHeap heapOf(long pc) {
    for (int i = 0; i < heaps.size(); i++) {
      CodeHeap heap = heaps.get(i);
      if (heap.contains(pc)) {
        return heap;
      }
    }
    return null;
  }

  private long blobFrame(CodeHeap heap, long pc) {
    long start = vm.codeCache().codeBlobAt(heap, pc);
    HotSpotLayout layout = vm.layout();
    blob.clear();
    if (start == 0 || !vm.memory().fill(start, blob)) {
      return framePointersKept ? FRAME_POINTER : UNWINDABLE;
    }
    int size = blob.getInt((int) layout.codeBlobSize());
    int frameWords = blob.getInt((int) layout.codeBlobFrameSize());
    if (Long.compareUnsigned(pc - start, size) >= 0) {
      return framePointersKept ? FRAME_POINTER : UNWINDABLE;
    }
    CodeName known = codeNames.get(pc);
    if (known == null || known.start() != start) {
      // named while the JVM lives: a report after its exit names the frame too
      CodeName name = vm.codeCache().codeName(pc);
      if (name != null) {
        codeNames.put(pc, name);
      }
    }
    // compiled methods, native wrappers and runtime stubs record their frame size; the buffer
    // blobs (the call stub, adapters) record none and keep an rbp frame
    return frameWords > 0 ? 8L * frameWords : FRAME_POINTER;
  }

  @Override
  public long interpretedFrame(long method, long bcp) {
    if (method <= 0 || (method & ~METHOD_MASK) != 0) {
      return INTERPRETED_TAG;
    }
    long bci = bytecodeIndex(method, bcp);
    return INTERPRETED_TAG | ((bci + 1) & BCI_MASK) << BCI_SHIFT | method;
  }

  private long bytecodeIndex(long method, long bcp) {
    int slot = (int) (mix(method) & (CACHE_SIZE - 1));
    long code;
    if (methodKeys[slot] == method) {
      code = methodCode[slot];
    } else {
      int bci = vm.methods().bytecodeIndex(method, bcp);
      code = bci < 0 ? 0 : bcp - bci;
      if (!names.containsKey(method)) {
        JavaMethod named = vm.methods().method(method);
        if (named != null) {
          names.put(method, named); // while the JVM lives: a report after its exit names it too
        }
      }
      methodKeys[slot] = method;
      methodCode[slot] = code;
    }
    long bci = bcp - code;
    return code == 0 || bci < 0 || bci >= BCI_MASK ? -1 : bci;
  }

  /** Whether {@code address} stands for an interpreted frame. */
  public static boolean isInterpretedFrame(long address) {
    return (address & 0xC000_0000_0000_0000L) == INTERPRETED_TAG;
  }

  /** The {@code Method*} of an interpreted frame's address; 0 when it was beyond the copy. */
  public static long method(long address) {
    return address & METHOD_MASK;
  }

  /** The bytecode index of an interpreted frame's address, or -1 when unknown. */
  public static int bytecodeIndexOf(long address) {
    return (int) ((address >>> BCI_SHIFT) & BCI_MASK) - 1;
  }

  private static long mix(long value) {
    long h = value * 0x9E37_79B9_7F4A_7C15L;
    return h ^ (h >>> 29);
  }
}
