package io.leakdetector.symbols.hotspot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.ToLongFunction;

/**
 * The layout of a running HotSpot JVM as it exports it for debuggers (the serviceability agent):
 * the tables {@code gHotSpotVMStructs} (a field's offset in its type, or a static field's address),
 * {@code gHotSpotVMTypes} (a type's size) and {@code gHotSpotVMIntConstants}, read from the
 * target's memory. Their entry layouts are exported too ({@code
 * gHotSpotVMStructEntryTypeNameOffset}, …), so nothing here depends on a JDK version: a field that
 * a version lacks is simply absent.
 */
public final class VmStructs {
  private static final int MAX_ENTRIES = 20_000;
  private static final int MAX_NAME = 256;

  private final Map<String, Long> fields;
  private final Map<String, Long> types;
  private final Map<String, Long> intConstants;

  private VmStructs(
      Map<String, Long> fields, Map<String, Long> types, Map<String, Long> intConstants) {
    this.fields = fields;
    this.types = types;
    this.intConstants = intConstants;
  }

  /**
   * Reads the tables.
   *
   * @param exported the run-time address of an exported libjvm symbol, by name (0 when absent)
   * @return the layout, or null when the tables cannot be read (not a HotSpot JVM, not yet
   *     initialized, or its memory unreadable)
   */
  static VmStructs read(ProcessMemory memory, ToLongFunction<String> exported) {
    Map<String, Long> fields = new HashMap<>();
    Map<String, Long> types = new HashMap<>();
    long structs = pointer(memory, exported, "gHotSpotVMStructs");
    long stride = pointer(memory, exported, "gHotSpotVMStructEntryArrayStride");
    long typeName = pointer(memory, exported, "gHotSpotVMStructEntryTypeNameOffset");
    long fieldName = pointer(memory, exported, "gHotSpotVMStructEntryFieldNameOffset");
    long isStatic = pointer(memory, exported, "gHotSpotVMStructEntryIsStaticOffset");
    long offset = pointer(memory, exported, "gHotSpotVMStructEntryOffsetOffset");
    long address = pointer(memory, exported, "gHotSpotVMStructEntryAddressOffset");
    if (structs <= 0 || stride <= 0 || stride > 256) {
      return null;
    }
    Strings strings = new Strings(memory);
    boolean complete =
        entries(
            memory,
            structs,
            stride,
            typeName,
            entry -> {
              String key =
                  strings.at(entry.getLong((int) typeName))
                      + "::"
                      + strings.at(entry.getLong((int) fieldName));
              boolean staticField = entry.getInt((int) isStatic) != 0;
              fields.put(
                  key, staticField ? entry.getLong((int) address) : entry.getLong((int) offset));
            });
    long typeTable = pointer(memory, exported, "gHotSpotVMTypes");
    long typeStride = pointer(memory, exported, "gHotSpotVMTypeEntryArrayStride");
    long typeTypeName = pointer(memory, exported, "gHotSpotVMTypeEntryTypeNameOffset");
    long typeSize = pointer(memory, exported, "gHotSpotVMTypeEntrySizeOffset");
    complete &=
        entries(
            memory,
            typeTable,
            typeStride,
            typeTypeName,
            entry ->
                types.put(
                    strings.at(entry.getLong((int) typeTypeName)), entry.getLong((int) typeSize)));
    if (!complete) {
      return null;
    }
    Map<String, Long> intConstants = new HashMap<>();
    long constants = pointer(memory, exported, "gHotSpotVMIntConstants");
    long constantStride = pointer(memory, exported, "gHotSpotVMIntConstantEntryArrayStride");
    long constantName = pointer(memory, exported, "gHotSpotVMIntConstantEntryNameOffset");
    long constantValue = pointer(memory, exported, "gHotSpotVMIntConstantEntryValueOffset");
    // optional: a JVM without them still unwinds and names, without source lines
    entries(
        memory,
        constants,
        constantStride,
        constantName,
        entry ->
            intConstants.put(
                strings.at(entry.getLong((int) constantName)),
                (long) entry.getInt((int) constantValue)));
    return fields.isEmpty() ? null : new VmStructs(fields, types, intConstants);
  }

  /**
   * Hands each entry of a table that ends with a null name to {@code each}, reading a batch of
   * entries at a time; false when the table cannot be read to its end.
   */
  private static boolean entries(
      ProcessMemory memory,
      long table,
      long stride,
      long nameOffset,
      java.util.function.Consumer<ByteBuffer> each) {
    if (table <= 0 || stride <= 0 || stride > 256) {
      return false;
    }
    for (int first = 0; first < MAX_ENTRIES; first += BATCH) {
      ByteBuffer batch = memory.bytes(table + first * stride, (int) (BATCH * stride));
      for (int i = 0; i < BATCH; i++) {
        // the batch may run past the table's mapping: then entry by entry
        ByteBuffer entry =
            batch != null
                ? batch.slice((int) (i * stride), (int) stride).order(ByteOrder.LITTLE_ENDIAN)
                : memory.bytes(table + (first + i) * stride, (int) stride);
        if (entry == null) {
          return false;
        }
        if (entry.getLong((int) nameOffset) == 0) {
          return true;
        }
        each.accept(entry);
      }
    }
    return false;
  }

  private static final int BATCH = 64;

  /** The word an exported symbol holds (its address is a variable of libjvm's). */
  private static long pointer(
      ProcessMemory memory, ToLongFunction<String> exported, String symbol) {
    long at = exported.applyAsLong(symbol);
    return at != 0 && memory.readWord(at) ? memory.value() : -1;
  }

  /**
   * A non-static field's offset in its type, or a static field's address: {@code field("CodeBlob",
   * "_frame_size")}.
   */
  public OptionalLong field(String type, String field) {
    Long value = fields.get(type + "::" + field);
    return value == null ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /** A type's size in bytes. */
  public OptionalLong size(String type) {
    Long value = types.get(type);
    return value == null ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /**
   * An integer constant of {@code gHotSpotVMIntConstants}: {@code
   * ConstMethod::_has_linenumber_table}.
   */
  public OptionalLong intConstant(String name) {
    Long value = intConstants.get(name);
    return value == null ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /** How many fields the table has (for diagnostics). */
  public int fieldCount() {
    return fields.size();
  }

  /** Reads each name once: the table's names repeat (every field of a type names the type). */
  private static final class Strings {
    private final ProcessMemory memory;
    private final Map<Long, String> read = new HashMap<>();

    Strings(ProcessMemory memory) {
      this.memory = memory;
    }

    String at(long address) {
      return read.computeIfAbsent(
          address,
          a -> {
            String s = memory.cString(a, MAX_NAME);
            return s == null ? "?" : s;
          });
    }
  }
}
