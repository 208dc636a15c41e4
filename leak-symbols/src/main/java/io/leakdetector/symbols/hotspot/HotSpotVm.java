package io.leakdetector.symbols.hotspot;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A running HotSpot JVM seen from outside: where its interpreter and code cache lie, and what its
 * metadata says, read from its memory with the offsets of {@link VmStructs}. Found through {@code
 * libjvm.so}'s exported symbols; nothing is loaded into the JVM.
 */
public final class HotSpotVm implements AutoCloseable {
  private final ProcessMemory memory;
  private final HotSpotLayout layout;

  private HotSpotVm(ProcessMemory memory, HotSpotLayout layout) {
    this.memory = memory;
    this.layout = layout;
  }

  /**
   * The JVM in process {@code pid}, or empty when the process maps no {@code libjvm.so} or its
   * tables cannot be read yet (a JVM still starting: try again later).
   */
  public static Optional<HotSpotVm> attach(long pid) {
    try {
      ProcMapsEntry libjvm = null;
      for (ProcMapsEntry e : ProcMaps.read(pid)) {
        if (e.isFile() && e.path().endsWith("/libjvm.so") && e.fileOffset() == 0) {
          libjvm = e;
          break;
        }
      }
      if (libjvm == null) {
        return Optional.empty();
      }
      Path path = Path.of("/proc/" + pid + "/root" + libjvm.path());
      if (!Files.isReadable(path)) {
        path = Path.of("/proc/" + pid + "/map_files/" + libjvm.mapFilesName());
      }
      ProcessMemory memory = ProcessMemory.open(pid);
      try (ElfFile elf = ElfFile.open(path)) {
        OptionalLong bias = elf.loadBias(libjvm.start(), libjvm.fileOffset());
        if (bias.isEmpty()) {
          memory.close();
          return Optional.empty();
        }
        long loadBias = bias.getAsLong();
        VmStructs structs =
            VmStructs.read(
                memory,
                name ->
                    elf.findSymbol(name).map(ElfSymbol::value).map(v -> v + loadBias).orElse(0L));
        HotSpotLayout layout = structs == null ? null : HotSpotLayout.of(structs);
        if (layout == null) {
          memory.close();
          return Optional.empty();
        }
        return Optional.of(new HotSpotVm(memory, layout));
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The offsets this JVM exports. */
  public HotSpotLayout layout() {
    return layout;
  }

  /** The target's memory, for the caller's thread only. */
  public ProcessMemory memory() {
    return memory;
  }

  /** The interpreter's code: {@code [start, end)}, or {0, 0} when not known yet. */
  public long[] interpreterRange() {
    long queue = readPointer(layout.interpreterCode());
    if (queue == 0) {
      return new long[2];
    }
    long start = readPointer(queue + layout.stubQueueBuffer());
    if (start == 0 || !memory.fill(queue + layout.stubQueueLimit(), intBuffer())) {
      return new long[2];
    }
    return new long[] {start, start + intBuffer.getInt(0)};
  }

  /** The code heaps' address ranges, {@code [low, high)} pairs. */
  public List<CodeHeap> codeHeaps() {
    long array = readPointer(layout.codeCacheHeaps());
    if (array == 0 || !memory.fill(array + layout.growableArrayLength(), intBuffer())) {
      return List.of();
    }
    int length = intBuffer.getInt(0);
    long data = readPointer(array + layout.growableArrayData());
    if (length <= 0 || length > 16 || data == 0) {
      return List.of();
    }
    List<CodeHeap> heaps = new java.util.ArrayList<>();
    for (int i = 0; i < length; i++) {
      long heap = readPointer(data + 8L * i);
      if (heap == 0) {
        continue;
      }
      long low = readPointer(heap + layout.codeHeapMemory() + layout.virtualSpaceLowBoundary());
      long high = readPointer(heap + layout.codeHeapMemory() + layout.virtualSpaceHighBoundary());
      long segmap = readPointer(heap + layout.codeHeapSegmap() + layout.virtualSpaceLow());
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

  private final java.nio.ByteBuffer intBuffer =
      java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);

  private java.nio.ByteBuffer intBuffer() {
    intBuffer.clear();
    return intBuffer;
  }

  /** A boolean command-line flag's value ({@code PreserveFramePointer}), or empty if unknown. */
  public Optional<Boolean> booleanFlag(String name) {
    long array = readPointer(layout.flags());
    long count = readPointer(layout.flagCount());
    if (array == 0 || count <= 0 || count > 10_000) {
      return Optional.empty();
    }
    java.nio.ByteBuffer table = memory.bytes(array, (int) (count * layout.flagSize()));
    if (table == null) {
      return Optional.empty();
    }
    for (int i = 0; i < count; i++) {
      long entry = i * layout.flagSize();
      long namePointer = table.getLong((int) (entry + layout.flagName()));
      if (namePointer == 0) {
        continue;
      }
      String flag = memory.cString(namePointer, 128);
      if (name.equals(flag)) {
        java.nio.ByteBuffer value =
            memory.bytes(table.getLong((int) (entry + layout.flagAddress())), 1);
        return value == null ? Optional.empty() : Optional.of(value.get(0) != 0);
      }
    }
    return Optional.empty();
  }

  /**
   * The code blob that holds {@code pc} in {@code heap} (found through the segment map, as
   * HotSpot's {@code CodeHeap::find_blob} does), or 0 when pc lies in free space.
   */
  public long codeBlobAt(CodeHeap heap, long pc) {
    long segment = (pc - heap.low()) >>> heap.log2SegmentSize();
    java.nio.ByteBuffer window = segmapWindow;
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
        java.nio.ByteBuffer used = memory.bytes(block + layout.heapBlockUsed(), 1);
        return used != null && used.get(0) != 0 ? block + layout.heapBlockSize() : 0;
      }
      segment -= hop;
      if (segment < 0) {
        return 0;
      }
    }
    return 0;
  }

  private final java.nio.ByteBuffer segmapWindow = java.nio.ByteBuffer.allocateDirect(1024);

  /**
   * The qualified name of a {@code Method*}: {@code java.util.zip.Deflater.<init>}, or null when
   * its metadata cannot be read (a class unloaded since).
   */
  public String methodName(long method) {
    long constMethod = readPointer(method + layout.methodConstMethod());
    long pool = constMethod == 0 ? 0 : readPointer(constMethod + layout.constMethodConstants());
    long holder = pool == 0 ? 0 : readPointer(pool + layout.constantPoolHolder());
    if (holder == 0) {
      return null;
    }
    java.nio.ByteBuffer index = memory.bytes(constMethod + layout.constMethodNameIndex(), 2);
    String klass = symbol(readPointer(holder + layout.klassName()));
    String name =
        index == null
            ? null
            : symbol(
                readPointer(pool + layout.constantPoolSize() + 8L * (index.getShort(0) & 0xFFFF)));
    if (klass == null || name == null) {
      return null;
    }
    return klass.replace('/', '.') + "." + name;
  }

  /**
   * The bytecode index of {@code bcp} in {@code method}'s code, or -1 when it does not lie in it.
   */
  public int bytecodeIndex(long method, long bcp) {
    long constMethod = readPointer(method + layout.methodConstMethod());
    if (constMethod == 0) {
      return -1;
    }
    long bci = bcp - (constMethod + layout.constMethodSize());
    return bci >= 0 && bci < 65536 ? (int) bci : -1;
  }

  /** A HotSpot {@code Symbol}'s text, or null. */
  private String symbol(long symbol) {
    if (symbol == 0) {
      return null;
    }
    java.nio.ByteBuffer length = memory.bytes(symbol + layout.symbolLength(), 2);
    if (length == null) {
      return null;
    }
    int n = length.getShort(0) & 0xFFFF;
    java.nio.ByteBuffer body = memory.bytes(symbol + layout.symbolBody(), n);
    if (body == null) {
      return null;
    }
    byte[] bytes = new byte[n];
    body.get(bytes);
    return new String(
        bytes, java.nio.charset.StandardCharsets.UTF_8); // modified UTF-8, close enough
  }

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
      java.nio.ByteBuffer header = blob == 0 ? null : memory.bytes(blob, layout.codeBlobBytes());
      if (header == null
          || Long.compareUnsigned(pc - blob, header.getInt((int) layout.codeBlobSize())) >= 0) {
        return null;
      }
      String kind = memory.cString(header.getLong((int) layout.codeBlobName()), 128);
      if (kind == null) {
        return null;
      }
      if (kind.equals("nmethod") || kind.equals("native nmethod")) {
        long methodPointer = readPointer(blob + layout.compiledMethodMethod());
        String method = methodName(methodPointer);
        if (method != null) {
          return new CodeName(
              method, blob, true, CompiledScopes.inlinedAt(this, blob, pc, methodPointer));
        }
      }
      return new CodeName(kind, blob, false, List.of());
    }
    return null;
  }

  /**
   * A name for code in the code cache; {@code javaMethod} when it is a compiled Java method, whose
   * {@code inlined} methods at the address are listed innermost first (without the method itself).
   */
  public record CodeName(String name, long start, boolean javaMethod, List<String> inlined) {
    public CodeName {
      inlined = List.copyOf(inlined);
    }
  }

  private static final long HEAPS_REFRESH_NANOS = 1_000_000_000L;
  private List<CodeHeap> knownHeaps = List.of();
  private long heapsReadAt;

  /** The pointer at {@code address}, or 0 where it cannot be read. */
  long readPointer(long address) {
    return address != 0 && memory.readWord(address) ? memory.value() : 0;
  }

  @Override
  public void close() {
    memory.close();
  }
}
