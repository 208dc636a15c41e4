package io.leakdetector.uprobes.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of {@code /proc/PID/maps}.
 *
 * @param start first address
 * @param end address past the mapping
 * @param perms {@code r-xp} and the like
 * @param offset file offset mapped at {@code start}
 * @param file the file's device and inode ({@link FileId#NONE} for anonymous memory)
 * @param path the file's path as the target sees it, {@code ""} for anonymous memory; a {@code "
 *     (deleted)"} suffix is kept
 */
public record MapsEntry(long start, long end, String perms, long offset, FileId file, String path) {

  /** The file's inode number, 0 for anonymous memory. */
  public long inode() {
    return file.inode();
  }

  public boolean executable() {
    return perms.length() > 2 && perms.charAt(2) == 'x';
  }

  public boolean deleted() {
    return path.endsWith(" (deleted)");
  }

  /** Parses one line; returns null for a line that does not have the expected fields. */
  public static MapsEntry parse(String line) {
    String[] f = line.trim().split("\\s+", 6);
    if (f.length < 5) {
      return null;
    }
    int dash = f[0].indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      return new MapsEntry(
          Long.parseUnsignedLong(f[0].substring(0, dash), 16),
          Long.parseUnsignedLong(f[0].substring(dash + 1), 16),
          f[1],
          Long.parseUnsignedLong(f[2], 16),
          FileId.ofMaps(f[3], Long.parseLong(f[4])),
          f.length > 5 ? f[5] : "");
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Reads {@code /proc/PID/maps}. */
  public static List<MapsEntry> read(long pid) throws IOException {
    List<MapsEntry> entries = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"))) {
      MapsEntry e = parse(line);
      if (e != null) {
        entries.add(e);
      }
    }
    return entries;
  }
}
