package io.leakdetector.symbols.hotspot;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A HotSpot JVM's methods named from its metadata: a {@code Method*}'s holder class and name
 * through its {@code ConstMethod} and constant pool, and a bytecode pointer's index.
 */
public final class JavaMethods {
  private static final Pattern HIDDEN_CLASS_SUFFIX = Pattern.compile("\\+(0x\\p{XDigit}+)$");

  private final HotSpotVm vm;
  private final HotSpotLayout layout;
  private final ProcessMemory memory;

  private static final int MAX_LINE_TABLE_BYTES = 1 << 16;
  private final int compressedIntExcludedByte;

  JavaMethods(HotSpotVm vm) {
    this.vm = vm;
    this.layout = vm.layout();
    this.memory = vm.memory();
    ByteBuffer major = memory.bytes(layout.vmMajorVersion(), 4);
    // JDK 21 wrote its compressed integers as UNSIGNED5, which never writes a zero byte
    this.compressedIntExcludedByte = major != null && major.getInt(0) >= 21 ? 1 : 0;
  }

  /** The byte HotSpot's compressed integers leave out: 1 from JDK 21 on, else 0. */
  int compressedIntExcludedByte() {
    return compressedIntExcludedByte;
  }

  /**
   * A method's name and lines, or null when its metadata cannot be read. Kept once read (a method
   * lives as long as its class; {@link #MAX_KEPT} at most, then read again).
   */
  public JavaMethod method(long method) {
    JavaMethod kept = read.get(method);
    if (kept != null) {
      return kept;
    }
    String name = methodName(method);
    if (name == null) {
      return null;
    }
    if (read.size() >= MAX_KEPT) {
      read.clear();
    }
    JavaMethod named = new JavaMethod(name, lines(method));
    read.put(method, named);
    return named;
  }

  private static final int MAX_KEPT = 1 << 16;
  private final java.util.Map<Long, JavaMethod> read = new java.util.HashMap<>();

  /**
   * A method's source file and line number table (the compressed table after its bytecodes, read as
   * HotSpot's {@code CompressedLineNumberReadStream} does); {@link MethodLines#NONE} when it has
   * none or it cannot be read.
   */
  public MethodLines lines(long method) {
    HotSpotLayout.LineNumbers at = layout.lineNumbers();
    long constMethod = vm.readPointer(method + layout.methodConstMethod());
    if (at == null || constMethod == 0) {
      return MethodLines.NONE;
    }
    long pool = vm.readPointer(constMethod + layout.constMethodConstants());
    ByteBuffer sourceIndex = pool == 0 ? null : memory.bytes(pool + at.sourceFileIndex(), 2);
    String file =
        sourceIndex == null || sourceIndex.getShort(0) == 0
            ? null
            : symbol(
                vm.readPointer(
                    pool + layout.constantPoolSize() + 8L * (sourceIndex.getShort(0) & 0xFFFF)));
    ByteBuffer flags = memory.bytes(constMethod + at.constMethodFlags(), 4);
    ByteBuffer codeSize = memory.bytes(constMethod + at.constMethodCodeSize(), 2);
    if (flags == null || codeSize == null || (flags.getInt(0) & at.hasLineNumberTable()) == 0) {
      return new MethodLines(file, new int[0], new int[0]);
    }
    long table = constMethod + layout.constMethodSize() + (codeSize.getShort(0) & 0xFFFF);
    ByteBuffer bytes = memory.bytes(table, 256);
    for (int size = 1024; bytes != null && !terminated(bytes) && size <= MAX_LINE_TABLE_BYTES; ) {
      bytes = memory.bytes(table, size);
      size *= 4;
    }
    if (bytes == null) {
      return new MethodLines(file, new int[0], new int[0]);
    }
    return decode(file, bytes);
  }

  /** Whether the table ends (a 0 pair byte) within {@code bytes}, as far as a scan can tell. */
  private boolean terminated(ByteBuffer bytes) {
    try {
      decode(null, bytes.duplicate().order(bytes.order()));
      return true;
    } catch (java.nio.BufferUnderflowException e) {
      return false;
    }
  }

  private MethodLines decode(String file, ByteBuffer bytes) {
    bytes.rewind();
    CompiledScopes.CompressedInts ints =
        new CompiledScopes.CompressedInts(bytes, compressedIntExcludedByte);
    IntList bcis = new IntList();
    IntList lines = new IntList();
    int bci = 0;
    int line = 0;
    while (true) {
      int next = bytes.get() & 0xFF;
      if (next == 0) {
        break;
      }
      if (next == 0xFF) {
        bci += signed(ints.next());
        line += signed(ints.next());
      } else {
        bci += next >> 3;
        line += next & 7;
      }
      bcis.add(bci);
      lines.add(line);
    }
    return new MethodLines(file, bcis.toArray(), lines.toArray());
  }

  private static int signed(int value) {
    return (value >>> 1) ^ -(value & 1);
  }

  /** A growing int array (tables are short). */
  private static final class IntList {
    private int[] values = new int[16];
    private int size;

    void add(int value) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }
  }

  /**
   * The qualified name of a {@code Method*}: {@code java.util.zip.Deflater.<init>}, or null when
   * its metadata cannot be read (a class unloaded since).
   */
  public String methodName(long method) {
    long constMethod = vm.readPointer(method + layout.methodConstMethod());
    long pool = constMethod == 0 ? 0 : vm.readPointer(constMethod + layout.constMethodConstants());
    long holder = pool == 0 ? 0 : vm.readPointer(pool + layout.constantPoolHolder());
    if (holder == 0) {
      return null;
    }
    ByteBuffer index = memory.bytes(constMethod + layout.constMethodNameIndex(), 2);
    String klass = symbol(vm.readPointer(holder + layout.klassName()));
    String name =
        index == null
            ? null
            : symbol(
                vm.readPointer(
                    pool + layout.constantPoolSize() + 8L * (index.getShort(0) & 0xFFFF)));
    if (klass == null || name == null) {
      return null;
    }
    // a hidden class is named Lambda+0x… inside, Lambda/0x… where Java shows it
    return HIDDEN_CLASS_SUFFIX.matcher(klass.replace('/', '.')).replaceFirst("/$1") + "." + name;
  }

  /**
   * The bytecode index of {@code bcp} in {@code method}'s code, or -1 when it does not lie in it.
   */
  public int bytecodeIndex(long method, long bcp) {
    long constMethod = vm.readPointer(method + layout.methodConstMethod());
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
    ByteBuffer length = memory.bytes(symbol + layout.symbolLength(), 2);
    if (length == null) {
      return null;
    }
    int n = length.getShort(0) & 0xFFFF;
    ByteBuffer body = memory.bytes(symbol + layout.symbolBody(), n);
    if (body == null) {
      return null;
    }
    byte[] bytes = new byte[n];
    body.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8); // modified UTF-8, close enough
  }
}
