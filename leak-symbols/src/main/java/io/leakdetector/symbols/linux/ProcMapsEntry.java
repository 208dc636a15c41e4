package io.leakdetector.symbols.linux;

/**
 * One line of {@code /proc/PID/maps}.
 *
 * @param start first address
 * @param end address just past the mapping
 * @param permissions {@code r-xp} and the like
 * @param fileOffset offset in the file of the byte mapped at {@code start}
 * @param deviceMajor the file's device, major number (0 for anonymous memory)
 * @param deviceMinor the file's device, minor number
 * @param inode the file's inode (0 for anonymous memory)
 * @param path the file's path as the process sees it, without a {@code " (deleted)"} suffix; {@code
 *     [heap]}, {@code [stack]}, {@code [vdso]} for special mappings; {@code ""} for anonymous
 *     memory
 * @param deleted whether the kernel marked the file as deleted
 */
public record ProcMapsEntry(
    long start,
    long end,
    String permissions,
    long fileOffset,
    int deviceMajor,
    int deviceMinor,
    long inode,
    String path,
    boolean deleted) {

  /** Whether this maps a file (a path starting with {@code /}). */
  public boolean isFile() {
    return path.startsWith("/") && inode != 0;
  }

  public boolean isExecutable() {
    return permissions.length() > 2 && permissions.charAt(2) == 'x';
  }

  public boolean contains(long address) {
    return Long.compareUnsigned(address - start, end - start) < 0;
  }

  /** The name of this mapping in {@code /proc/PID/map_files/}. */
  public String mapFilesName() {
    return Long.toHexString(start) + "-" + Long.toHexString(end);
  }
}
