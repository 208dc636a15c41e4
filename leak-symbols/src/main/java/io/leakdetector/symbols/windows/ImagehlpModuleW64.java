package io.leakdetector.symbols.windows;

import com.sun.jna.Structure.FieldOrder;
import java.nio.charset.StandardCharsets;

/** {@code IMAGEHLP_MODULEW64} (dbghelp.h); WCHAR arrays as bytes, the PDB GUID as 16 bytes. */
@FieldOrder({
  "SizeOfStruct",
  "BaseOfImage",
  "ImageSize",
  "TimeDateStamp",
  "CheckSum",
  "NumSyms",
  "SymType",
  "ModuleName",
  "ImageName",
  "LoadedImageName",
  "LoadedPdbName",
  "CVSig",
  "CVData",
  "PdbSig",
  "PdbSig70",
  "PdbAge",
  "PdbUnmatched",
  "DbgUnmatched",
  "LineNumbers",
  "GlobalSymbols",
  "TypeInfo",
  "SourceIndexed",
  "Publics",
  "MachineType",
  "Reserved"
})
public class ImagehlpModuleW64 extends Win32Structure {
  /** Sizes older dbghelp versions accept (through Publics; through LoadedImageName). */
  public static final int SIZE_V3 = 3256;

  public static final int SIZE_V2 = 1128;

  public int SizeOfStruct;
  public long BaseOfImage;
  public int ImageSize;
  public int TimeDateStamp;
  public int CheckSum;
  public int NumSyms;
  public int SymType;
  public byte[] ModuleName = new byte[64];
  public byte[] ImageName = new byte[512];
  public byte[] LoadedImageName = new byte[512];
  public byte[] LoadedPdbName = new byte[512];
  public int CVSig;
  public byte[] CVData = new byte[1560];
  public int PdbSig;
  public byte[] PdbSig70 = new byte[16];
  public int PdbAge;
  public int PdbUnmatched;
  public int DbgUnmatched;
  public int LineNumbers;
  public int GlobalSymbols;
  public int TypeInfo;
  public int SourceIndexed;
  public int Publics;
  public int MachineType;
  public int Reserved;

  public ImagehlpModuleW64() {
    SizeOfStruct = size();
  }

  /** The image's path as dbghelp knows it. */
  public String imageName() {
    int length = 0;
    while (length + 1 < ImageName.length
        && (ImageName[length] != 0 || ImageName[length + 1] != 0)) {
      length += 2;
    }
    return new String(ImageName, 0, length, StandardCharsets.UTF_16LE);
  }
}
