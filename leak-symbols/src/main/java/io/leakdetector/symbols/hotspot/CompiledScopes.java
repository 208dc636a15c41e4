package io.leakdetector.symbols.hotspot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The methods a JIT compiler inlined at one return address of a compiled method, read from the
 * method's debug information as HotSpot's own {@code ScopeDesc} does: the {@code PcDesc} recorded
 * for the address names a scope; each scope holds the offset of the scope it was inlined into, a
 * method (an index into the compiled method's metadata table) and a bytecode index, as integers of
 * HotSpot's compressed stream. The outermost scope must be the compiled method itself, else nothing
 * is trusted.
 *
 * <p>Two encodings: JDK 17's (a byte below 192 is the value; else up to four more bytes add {@code
 * b << 6}, {@code b << 12}, …) and the {@code UNSIGNED5} of JDK 21 on, which never writes a zero
 * byte (each byte minus one, 191 as the limit). Both are tried, the JDK's own first.
 */
final class CompiledScopes {
  private static final int MAX_SCOPES = 64;
  private static final int MAX_TABLE_BYTES = 1 << 20;
  private static final int SCOPE_BYTES = 16; // sender, method, bci: integers of at most 5 bytes

  private CompiledScopes() {}

  /**
   * The Java frames at {@code pc} in the compiled method at {@code blob} whose {@code Method*} is
   * {@code method}: innermost first, the compiled method itself last, each with its source line;
   * empty when what the JVM records cannot be read or trusted.
   */
  static List<JavaFrame> at(HotSpotVm vm, long blob, long pc, long method) {
    HotSpotLayout.Inlining in = vm.layout().inlining();
    ProcessMemory memory = vm.memory();
    ByteBuffer header = in == null ? null : memory.bytes(blob, in.headerBytes());
    if (header == null) {
      return List.of();
    }
    long codeBegin;
    long pcsBegin;
    long pcsEnd;
    long scopesData;
    long metadata; // 0: found through the compiled method's own Method* in its mutable data
    if (in.inBlob()) {
      codeBegin = header.getLong((int) in.codeBegin());
      pcsBegin = blob + header.getInt((int) in.scopesPcsOffset());
      pcsEnd = blob + header.getInt((int) in.dependenciesOffset());
      scopesData = header.getLong((int) in.scopesDataBegin());
      metadata = blob + header.getInt((int) in.metadataOffset());
    } else {
      long immutable = header.getLong((int) in.immutableData());
      codeBegin = blob + header.getInt((int) in.codeOffset());
      pcsBegin = immutable + header.getInt((int) in.scopesPcsOffset());
      scopesData = immutable + header.getInt((int) in.scopesDataOffset());
      pcsEnd = scopesData;
      metadata = 0;
    }
    int scope = scopeAt(memory, in, pcsBegin, pcsEnd, pc - codeBegin);
    if (scope <= 0) {
      return List.of(); // no PcDesc, or serialized_null: nothing recorded
    }
    int likely = vm.methods().compressedIntExcludedByte();
    for (int x : new int[] {likely, 1 - likely}) {
      List<int[]> scopes = scopes(memory, scopesData, scope, x);
      if (scopes.isEmpty()) {
        continue;
      }
      int outerIndex = scopes.get(scopes.size() - 1)[0];
      long table =
          metadata != 0 ? metadata : metadataInMutableData(memory, header, in, method, outerIndex);
      if (table == 0) {
        continue;
      }
      List<JavaFrame> frames = frames(vm, table, scopes, method);
      if (frames != null) {
        return frames;
      }
    }
    return List.of();
  }

  /** The scope offset of the PcDesc at code offset {@code offset}, or -1. */
  private static int scopeAt(
      ProcessMemory memory, HotSpotLayout.Inlining in, long begin, long end, long offset) {
    long bytes = end - begin;
    if (bytes <= 0 || bytes > MAX_TABLE_BYTES) {
      return -1;
    }
    ByteBuffer pcs = memory.bytes(begin, (int) bytes);
    if (pcs == null) {
      return -1;
    }
    int size = (int) in.pcDescSize();
    for (int at = 0; at + size <= bytes; at += size) {
      if (pcs.getInt(at + (int) in.pcDescPcOffset()) == offset) {
        return pcs.getInt(at + (int) in.pcDescScopeOffset());
      }
    }
    return -1;
  }

  /**
   * The chain's scopes as {method index, bytecode index}, innermost first; empty when it does not
   * decode sensibly.
   */
  private static List<int[]> scopes(
      ProcessMemory memory, long scopesData, int scope, int excluded) {
    List<int[]> scopes = new ArrayList<>();
    for (int depth = 0; scope > 0; depth++) {
      ByteBuffer bytes = memory.bytes(scopesData + scope, SCOPE_BYTES);
      if (bytes == null || depth == MAX_SCOPES) {
        return List.of();
      }
      CompressedInts ints = new CompressedInts(bytes, excluded);
      int sender = ints.next();
      int index = ints.next();
      int bci = ints.next() - 1; // InvocationEntryBci is -1
      if (index <= 0 || index > 65_535 || sender < 0 || sender == scope) {
        return List.of();
      }
      scopes.add(new int[] {index, bci});
      scope = sender;
    }
    return scopes;
  }

  /**
   * Where the metadata table lies in the mutable data (JDK 25): the compiled method's own {@code
   * Method*} is its entry {@code outerIndex}, so the table starts {@code outerIndex − 1} words
   * before the one word there that holds it; 0 when no single word does.
   */
  private static long metadataInMutableData(
      ProcessMemory memory,
      ByteBuffer header,
      HotSpotLayout.Inlining in,
      long method,
      int outerIndex) {
    long mutable = header.getLong((int) in.mutableData());
    int size = header.getInt((int) in.mutableDataSize());
    ByteBuffer data = size <= 0 || size > MAX_TABLE_BYTES ? null : memory.bytes(mutable, size);
    if (data == null) {
      return 0;
    }
    long found = 0;
    for (int at = 0; at + 8 <= size; at += 8) {
      if (data.getLong(at) == method) {
        if (found != 0) {
          return 0; // ambiguous
        }
        found = mutable + at - 8L * (outerIndex - 1);
      }
    }
    return found >= mutable ? found : 0;
  }

  /** The scopes' frames, or null when the outermost scope is not the compiled method. */
  private static List<JavaFrame> frames(HotSpotVm vm, long table, List<int[]> scopes, long method) {
    int outer = scopes.size() - 1;
    if (vm.readPointer(table + 8L * (scopes.get(outer)[0] - 1)) != method) {
      return null;
    }
    List<JavaFrame> frames = new ArrayList<>();
    for (int[] scope : scopes) {
      JavaMethod named = vm.methods().method(vm.readPointer(table + 8L * (scope[0] - 1)));
      if (named == null) {
        return null;
      }
      frames.add(new JavaFrame(named.name(), named.lines().file(), named.lines().line(scope[1])));
    }
    return List.copyOf(frames);
  }

  /** HotSpot's compressed stream integers; {@code excluded} 1 for UNSIGNED5 (no zero bytes). */
  static final class CompressedInts {
    private static final int LG_H = 6;
    private static final int MAX_I = 4;
    private final ByteBuffer bytes;
    private final int excluded;
    private final int limit;

    CompressedInts(ByteBuffer bytes, int excluded) {
      this.bytes = bytes;
      this.excluded = excluded;
      this.limit = 256 - excluded - (1 << LG_H);
    }

    int next() {
      int sum = (bytes.get() & 0xFF) - excluded;
      if (sum < limit) {
        return sum;
      }
      int shift = LG_H;
      for (int i = 1; ; i++) {
        int b = bytes.get() & 0xFF;
        sum += (b - excluded) << shift;
        if (b < excluded + limit || i == MAX_I) {
          return sum;
        }
        shift += LG_H;
      }
    }
  }
}
