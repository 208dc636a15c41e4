package io.leakdetector.uprobes.probe;

import io.leakdetector.symbols.linux.ProcMapsEntry;

/**
 * Which file a mapping maps, as the kernel reports it: the device of the file's filesystem
 * (major:minor, as in the {@code dev} column of {@code /proc/PID/maps} and the {@code maj}/{@code
 * min} fields of {@code PERF_RECORD_MMAP2}, both taken from the inode's superblock) and the inode
 * number. An inode number alone is not unique: two filesystems (a tmpfs and the root filesystem, a
 * container's overlay and the host) can each have a file with the same inode number.
 *
 * @param major the device's major number (the kernel's, not the glibc {@code dev_t} encoding)
 * @param minor the device's minor number
 * @param inode the inode number; 0 for no file (anonymous memory) or when unknown
 */
public record FileId(long major, long minor, long inode) {
  /** No file. */
  public static final FileId NONE = new FileId(0, 0, 0);

  /** Whether this names a file (a mapping of anonymous memory, or an unknown one, does not). */
  public boolean known() {
    return inode != 0;
  }

  /**
   * The identity of a file from {@code stat}: {@code st_dev} in the glibc {@code dev_t} encoding
   * (as {@code unix:dev} gives it) and {@code st_ino}.
   */
  public static FileId ofStat(long stDev, long stIno) {
    long major = ((stDev >>> 8) & 0xfffL) | ((stDev >>> 32) & ~0xfffL);
    long minor = (stDev & 0xffL) | ((stDev >>> 12) & ~0xffL);
    return new FileId(major, minor & 0xffffffffL, stIno);
  }

  /** The file of a line of {@code /proc/PID/maps}: its {@code dev} column and inode. */
  public static FileId of(ProcMapsEntry e) {
    return new FileId(
        Integer.toUnsignedLong(e.deviceMajor()),
        Integer.toUnsignedLong(e.deviceMinor()),
        e.inode());
  }

  /** As {@code /proc/PID/maps} shows it: {@code fd:01 inode 1234}. */
  @Override
  public String toString() {
    return String.format("%02x:%02x inode %d", major, minor, inode);
  }
}
