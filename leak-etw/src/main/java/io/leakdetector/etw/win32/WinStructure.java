package io.leakdetector.etw.win32;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.win32.W32APITypeMapper;

/**
 * A Win32 structure: MSVC alignment and the Win32 type mapper on every host, so that the layout JNA
 * computes on Linux (where the tests run) is the one Windows x64 uses. Fields use {@code int} for
 * {@code ULONG}/{@code DWORD}/{@code LONG} (4 bytes on Windows, unlike C {@code long} on Linux),
 * and byte arrays for {@code WCHAR} arrays ({@code char} is 4 bytes in JNA on Linux).
 */
public abstract class WinStructure extends Structure {

  protected WinStructure() {
    super(ALIGN_MSVC, W32APITypeMapper.UNICODE);
  }

  protected WinStructure(Pointer memory) {
    super(memory, ALIGN_MSVC, W32APITypeMapper.UNICODE);
  }

  /** The byte offset of a field, as JNA lays the structure out. */
  public int offsetOf(String field) {
    return fieldOffset(field);
  }
}
