package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/** {@code MODULEINFO} (psapi.h). */
@FieldOrder({"lpBaseOfDll", "SizeOfImage", "EntryPoint"})
public class ModuleInfo extends Win32Structure {
  public Pointer lpBaseOfDll;
  public int SizeOfImage;
  public Pointer EntryPoint;
}
