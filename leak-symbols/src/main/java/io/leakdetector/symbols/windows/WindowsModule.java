package io.leakdetector.symbols.windows;

/**
 * A module of the target, as captured while it lived.
 *
 * @param path its full path
 * @param base its load address
 * @param size its image size
 */
record WindowsModule(String path, long base, long size) {

  boolean contains(long address) {
    return Long.compareUnsigned(address, base) >= 0
        && Long.compareUnsigned(address - base, size) < 0;
  }

  /** The file name, as frames print it ({@code ntdll.dll}). */
  String fileName() {
    int cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
    return path.substring(cut + 1);
  }

  /** The directory the module was loaded from. */
  String directory() {
    int cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
    return cut <= 0 ? "" : path.substring(0, cut);
  }
}
