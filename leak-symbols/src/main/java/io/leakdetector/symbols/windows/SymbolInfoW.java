package io.leakdetector.symbols.windows;

import com.sun.jna.Structure.FieldOrder;

/**
 * {@code SYMBOL_INFOW} (dbghelp.h; mingw spells {@code Index} as {@code info}). The name is a
 * variable-length {@code WCHAR} array from {@link #NAME}: the resolver passes a buffer of {@link
 * #SIZE} + (MaxNameLen − 1) × 2 bytes with {@code SizeOfStruct} = {@link #SIZE}, and reads it by
 * the offsets below (checked against mingw and this structure).
 */
@FieldOrder({
  "SizeOfStruct",
  "TypeIndex",
  "Reserved",
  "info",
  "Size",
  "ModBase",
  "Flags",
  "Value",
  "Address",
  "Register",
  "Scope",
  "Tag",
  "NameLen",
  "MaxNameLen",
  "Name"
})
public class SymbolInfoW extends Win32Structure {
  public static final int SIZE = 88;
  public static final int SIZE_OF_STRUCT = 0;
  public static final int NAME_LEN = 76;
  public static final int MAX_NAME_LEN = 80;
  public static final int NAME = 84;

  public int SizeOfStruct;
  public int TypeIndex;
  public long[] Reserved = new long[2];
  public int info;
  public int Size;
  public long ModBase;
  public int Flags;
  public long Value;
  public long Address;
  public int Register;
  public int Scope;
  public int Tag;
  public int NameLen;
  public int MaxNameLen;
  public byte[] Name = new byte[2];
}
