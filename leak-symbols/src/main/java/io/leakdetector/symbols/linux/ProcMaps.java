package io.leakdetector.symbols.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads and parses {@code /proc/PID/maps}. */
public final class ProcMaps {
  private static final String DELETED = " (deleted)";

  private ProcMaps() {}

  /**
   * The mappings of a live process, in address order.
   *
   * @throws java.nio.file.NoSuchFileException when the process does not exist
   * @throws java.nio.file.AccessDeniedException when we may not read its map
   * @throws IOException on another read failure
   */
  public static List<ProcMapsEntry> read(long pid) throws IOException {
    return parse(Files.readString(Path.of("/proc", Long.toString(pid), "maps")));
  }

  /** Parses the text of a maps file; malformed lines are skipped. */
  public static List<ProcMapsEntry> parse(String text) {
    List<ProcMapsEntry> entries = new ArrayList<>();
    for (String line : text.split("\n")) {
      ProcMapsEntry entry = parseLine(line);
      if (entry != null) {
        entries.add(entry);
      }
    }
    return entries;
  }

  /** One line, or {@code null} when it is not a maps line. */
  public static ProcMapsEntry parseLine(String line) {
    // 7f351ddb9000-7f351df0f000 r-xp 00026000 fe:00 339380      /usr/lib/.../libc.so.6
    int[] fieldEnds = new int[5];
    int at = 0;
    for (int field = 0; field < 5; field++) {
      while (at < line.length() && line.charAt(at) == ' ') {
        at++;
      }
      int begin = at;
      while (at < line.length() && line.charAt(at) != ' ') {
        at++;
      }
      if (at == begin) {
        return null;
      }
      fieldEnds[field] = at;
    }
    try {
      String range = line.substring(0, fieldEnds[0]).trim();
      String permissions = line.substring(fieldEnds[0], fieldEnds[1]).trim();
      String offset = line.substring(fieldEnds[1], fieldEnds[2]).trim();
      String device = line.substring(fieldEnds[2], fieldEnds[3]).trim();
      String inode = line.substring(fieldEnds[3], fieldEnds[4]).trim();
      int dash = range.indexOf('-');
      int colon = device.indexOf(':');
      if (dash < 0 || colon < 0) {
        return null;
      }
      String path = line.substring(fieldEnds[4]).stripLeading();
      boolean deleted = false;
      if (path.startsWith("/") && path.endsWith(DELETED)) {
        deleted = true;
        path = path.substring(0, path.length() - DELETED.length());
      }
      return new ProcMapsEntry(
          Long.parseUnsignedLong(range.substring(0, dash), 16),
          Long.parseUnsignedLong(range.substring(dash + 1), 16),
          permissions,
          Long.parseUnsignedLong(offset, 16),
          Integer.parseInt(device.substring(0, colon), 16),
          Integer.parseInt(device.substring(colon + 1), 16),
          Long.parseLong(inode),
          path,
          deleted);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
