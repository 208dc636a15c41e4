package io.leakdetector.symbols.hotspot;

import java.nio.ByteBuffer;
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
    for (int i = 0; i < MAX_ENTRIES; i++) {
      ByteBuffer entry = memory.bytes(structs + i * stride, (int) stride);
      if (entry == null) {
        return null;
      }
      long type = entry.getLong((int) typeName);
      if (type == 0) {
        break;
      }
      String key = strings.at(type) + "::" + strings.at(entry.getLong((int) fieldName));
      boolean staticField = entry.getInt((int) isStatic) != 0;
      fields.put(key, staticField ? entry.getLong((int) address) : entry.getLong((int) offset));
    }
    long typeTable = pointer(memory, exported, "gHotSpotVMTypes");
    long typeStride = pointer(memory, exported, "gHotSpotVMTypeEntryArrayStride");
    long typeTypeName = pointer(memory, exported, "gHotSpotVMTypeEntryTypeNameOffset");
    long typeSize = pointer(memory, exported, "gHotSpotVMTypeEntrySizeOffset");
    if (typeTable <= 0 || typeStride <= 0 || typeStride > 256) {
      return null;
    }
    for (int i = 0; i < MAX_ENTRIES; i++) {
      ByteBuffer entry = memory.bytes(typeTable + i * typeStride, (int) typeStride);
      if (entry == null) {
        return null;
      }
      long type = entry.getLong((int) typeTypeName);
      if (type == 0) {
        break;
      }
      types.put(strings.at(type), entry.getLong((int) typeSize));
    }
    Map<String, Long> intConstants = new HashMap<>();
    long constants = pointer(memory, exported, "gHotSpotVMIntConstants");
    long constantStride = pointer(memory, exported, "gHotSpotVMIntConstantEntryArrayStride");
    long constantName = pointer(memory, exported, "gHotSpotVMIntConstantEntryNameOffset");
    long constantValue = pointer(memory, exported, "gHotSpotVMIntConstantEntryValueOffset");
    if (constants > 0 && constantStride > 0 && constantStride <= 256) {
      for (int i = 0; i < MAX_ENTRIES; i++) {
        ByteBuffer entry = memory.bytes(constants + i * constantStride, (int) constantStride);
        long name = entry == null ? 0 : entry.getLong((int) constantName);
        if (name == 0) {
          break; // the end, or unreadable: the constants are optional
        }
        intConstants.put(strings.at(name), (long) entry.getInt((int) constantValue));
      }
    }
    return fields.isEmpty() ? null : new VmStructs(fields, types, intConstants);
  }

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
