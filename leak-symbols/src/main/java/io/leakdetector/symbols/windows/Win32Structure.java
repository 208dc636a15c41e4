package io.leakdetector.symbols.windows;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.win32.W32APITypeMapper;

/**
 * A Win32 structure laid out as on Windows x64 on every host: MSVC alignment, the Win32 type
 * mapper, {@code int} for {@code DWORD}/{@code ULONG}, bytes for {@code WCHAR} arrays (JNA's {@code
 * char} is 4 bytes on Linux, where the layout tests run).
 */
public abstract class Win32Structure extends Structure {

  protected Win32Structure() {
    super(ALIGN_MSVC, W32APITypeMapper.UNICODE);
  }

  protected Win32Structure(Pointer memory) {
    super(memory, ALIGN_MSVC, W32APITypeMapper.UNICODE);
  }

  /** The byte offset of a field, as JNA lays the structure out. */
  public int offsetOf(String field) {
    return fieldOffset(field);
  }
}
