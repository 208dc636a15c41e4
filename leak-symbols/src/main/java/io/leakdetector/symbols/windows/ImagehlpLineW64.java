package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code IMAGEHLP_LINEW64} (dbghelp.h): a source line. {@code FileName} is a {@code PWSTR} into
 * dbghelp's memory, read with {@link Utf16}.
 */
@FieldOrder({"SizeOfStruct", "Key", "LineNumber", "FileName", "Address"})
public class ImagehlpLineW64 extends Win32Structure {
  public int SizeOfStruct;
  public Pointer Key;
  public int LineNumber;
  public Pointer FileName;
  public long Address;

  public ImagehlpLineW64() {
    SizeOfStruct = size();
  }
}
