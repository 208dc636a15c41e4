package io.leakdetector.symbols.hotspot;

import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The offsets and sizes of HotSpot's structures that unwinding and naming Java frames read, from
 * {@link VmStructs}. JDK 17 and JDK 25 differ (a compiled method's {@code _method} moved from
 * {@code CompiledMethod} to {@code nmethod}; {@code HeapBlock} shrank); both are read by name.
 */
public record HotSpotLayout(
    long interpreterCode,
    long stubQueueBuffer,
    long stubQueueLimit,
    long codeCacheHeaps,
    long growableArrayLength,
    long growableArrayData,
    long codeHeapMemory,
    long codeHeapSegmap,
    long codeHeapLog2SegmentSize,
    long virtualSpaceLowBoundary,
    long virtualSpaceHighBoundary,
    long virtualSpaceLow,
    long heapBlockSize,
    long heapBlockUsed,
    long codeBlobName,
    long codeBlobSize,
    long codeBlobFrameSize,
    long compiledMethodMethod,
    long methodConstMethod,
    long constMethodConstants,
    long constMethodNameIndex,
    long constMethodSignatureIndex,
    long constMethodSize,
    long constantPoolHolder,
    long constantPoolSize,
    long klassName,
    long symbolLength,
    long symbolBody,
    long flags,
    long flagCount,
    long flagSize,
    long flagAddress,
    long flagName,
    long vmMajorVersion,
    Inlining inlining,
    LineNumbers lineNumbers) {

  /**
   * Where a method's line number table lies: after its bytecodes in its {@code ConstMethod}, when
   * the flag bit says it has one; its class's source file name in the constant pool. Null where the
   * JVM does not export them.
   */
  public record LineNumbers(
      long constMethodFlags,
      long hasLineNumberTable,
      long constMethodCodeSize,
      long sourceFileIndex) {

    static LineNumbers of(VmStructs s) {
      OptionalLong flags = s.field("ConstMethod", "_flags");
      if (flags.isEmpty()) {
        flags = s.field("ConstMethod", "_flags._flags"); // JDK 21+: ConstMethodFlags
      }
      OptionalLong bit = s.intConstant("ConstMethod::_has_linenumber_table");
      if (bit.isEmpty()) {
        bit = s.intConstant("ConstMethodFlags::_misc_has_linenumber_table");
      }
      OptionalLong codeSize = s.field("ConstMethod", "_code_size");
      OptionalLong sourceFile = s.field("ConstantPool", "_source_file_name_index");
      if (flags.isEmpty() || bit.isEmpty() || codeSize.isEmpty() || sourceFile.isEmpty()) {
        return null;
      }
      return new LineNumbers(
          flags.getAsLong(), bit.getAsLong(), codeSize.getAsLong(), sourceFile.getAsLong());
    }
  }

  /**
   * Where a compiled method records the methods inlined at each call: its {@code PcDesc} table, the
   * scope descriptions they point into, and the metadata table the scopes' method indexes refer to.
   * JDK 17 keeps them in the code blob ({@code _code_begin}, {@code _scopes_pcs_offset} … {@code
   * _dependencies_offset}, {@code _scopes_data_begin}, {@code _metadata_offset}); JDK 25 keeps the
   * tables in its immutable data ({@code _immutable_data} + {@code _scopes_pcs_offset} … {@code
   * _scopes_data_offset}) and the metadata in its mutable data, at an offset it does not export
   * ({@link CompiledScopes} finds it). A field a JDK lacks is -1; null when neither set is
   * complete: compiled frames are then named by their own method only.
   */
  public record Inlining(
      long codeBegin,
      long codeOffset,
      long immutableData,
      long scopesPcsOffset,
      long dependenciesOffset,
      long scopesDataBegin,
      long scopesDataOffset,
      long metadataOffset,
      long mutableData,
      long mutableDataSize,
      long pcDescSize,
      long pcDescPcOffset,
      long pcDescScopeOffset) {

    /** Whether the tables lie in the code blob (JDK 17) rather than in immutable data (JDK 25). */
    public boolean inBlob() {
      return immutableData < 0;
    }

    static Inlining of(VmStructs s) {
      long[] v = {
        get(s.field("CodeBlob", "_code_begin")),
        get(s.field("CodeBlob", "_code_offset")),
        get(s.field("nmethod", "_immutable_data")),
        get(s.field("nmethod", "_scopes_pcs_offset")),
        get(s.field("nmethod", "_dependencies_offset")),
        get(s.field("CompiledMethod", "_scopes_data_begin")),
        get(s.field("nmethod", "_scopes_data_offset")),
        get(s.field("nmethod", "_metadata_offset")),
        get(s.field("CodeBlob", "_mutable_data")),
        get(s.field("CodeBlob", "_mutable_data_size")),
        get(s.size("PcDesc")),
        get(s.field("PcDesc", "_pc_offset")),
        get(s.field("PcDesc", "_scope_decode_offset")),
      };
      Inlining in =
          new Inlining(
              v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]);
      boolean common = v[3] >= 0 && v[10] > 0 && v[11] >= 0 && v[12] >= 0;
      boolean blob = v[0] >= 0 && v[4] >= 0 && v[5] >= 0 && v[7] >= 0;
      boolean immutable = v[1] >= 0 && v[2] >= 0 && v[6] >= 0 && v[8] >= 0 && v[9] >= 0;
      return common && (blob || immutable) ? in : null;
    }

    private static long get(OptionalLong value) {
      return value.orElse(-1);
    }

    /** The highest offset of a field read from a compiled method's header, plus 8. */
    int headerBytes() {
      long max = 0;
      for (long offset :
          new long[] {
            codeBegin, codeOffset, immutableData, scopesPcsOffset, dependenciesOffset,
            scopesDataBegin, scopesDataOffset, metadataOffset, mutableData, mutableDataSize
          }) {
        max = Math.max(max, offset);
      }
      return (int) max + 8;
    }
  }

  /** How many bytes of a code blob hold the fields read here. */
  public int codeBlobBytes() {
    return (int) Math.max(codeBlobName, Math.max(codeBlobSize, codeBlobFrameSize)) + 8;
  }

  /** The layout, or null when the JVM lacks a field this needs (an unknown version). */
  static HotSpotLayout of(VmStructs s) {
    OptionalLong method = s.field("nmethod", "_method");
    if (method.isEmpty()) {
      method = s.field("CompiledMethod", "_method");
    }
    OptionalLong[] all = {
      s.field("AbstractInterpreter", "_code"),
      s.field("StubQueue", "_stub_buffer"),
      s.field("StubQueue", "_buffer_limit"),
      s.field("CodeCache", "_heaps"),
      s.field("GrowableArrayBase", "_len"),
      s.field("GrowableArray<int>", "_data"),
      s.field("CodeHeap", "_memory"),
      s.field("CodeHeap", "_segmap"),
      s.field("CodeHeap", "_log2_segment_size"),
      s.field("VirtualSpace", "_low_boundary"),
      s.field("VirtualSpace", "_high_boundary"),
      s.field("VirtualSpace", "_low"),
      s.size("HeapBlock"),
      s.field("HeapBlock::Header", "_used"),
      s.field("CodeBlob", "_name"),
      s.field("CodeBlob", "_size"),
      s.field("CodeBlob", "_frame_size"),
      method,
      s.field("Method", "_constMethod"),
      s.field("ConstMethod", "_constants"),
      s.field("ConstMethod", "_name_index"),
      s.field("ConstMethod", "_signature_index"),
      s.size("ConstMethod"),
      s.field("ConstantPool", "_pool_holder"),
      s.size("ConstantPool"),
      s.field("Klass", "_name"),
      s.field("Symbol", "_length"),
      s.field("Symbol", "_body"),
      s.field("JVMFlag", "flags"),
      s.field("JVMFlag", "numFlags"),
      s.size("JVMFlag"),
      s.field("JVMFlag", "_addr"),
      s.field("JVMFlag", "_name"),
      s.field("Abstract_VM_Version", "_vm_major_version"),
    };
    long[] v = new long[all.length];
    for (int i = 0; i < all.length; i++) {
      v[i] = all[i].orElse(-1);
    }
    if (Arrays.stream(v).anyMatch(value -> value < 0)) {
      return null;
    }
    return new HotSpotLayout(
        v[0],
        v[1],
        v[2],
        v[3],
        v[4],
        v[5],
        v[6],
        v[7],
        v[8],
        v[9],
        v[10],
        v[11],
        v[12],
        v[13],
        v[14],
        v[15],
        v[16],
        v[17],
        v[18],
        v[19],
        v[20],
        v[21],
        v[22],
        v[23],
        v[24],
        v[25],
        v[26],
        v[27],
        v[28],
        v[29],
        v[30],
        v[31],
        v[32],
        v[33],
        Inlining.of(s),
        LineNumbers.of(s));
  }
}
