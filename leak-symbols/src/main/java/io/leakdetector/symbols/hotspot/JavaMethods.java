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

  JavaMethods(HotSpotVm vm) {
    this.vm = vm;
    this.layout = vm.layout();
    this.memory = vm.memory();
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
