package io.leakdetector.symbols.dwarf;

/**
 * One unit's decoded line table: its rows in sequences sorted by address, and its file names.
 *
 * <p>Rows follow GNU addr2line (binutils' BFD): of several consecutive rows at one address the last
 * is kept; sequences are sorted by start address, a sequence nested in an earlier one is dropped
 * and one overlapping it is trimmed; an address maps to the row at or before it in its sequence,
 * never to the sequence's end row. File names are joined with their directory and the unit's
 * compilation directory the way BFD joins them, so a file reads as addr2line prints it.
 */
final class LineTable {
  private final boolean dwarf5;
  private final String compDir;
  private final String[] directories;
  private final String[] fileNames;
  private final int[] fileDirectories;
  private final String[] paths;

  private final long[] rowAddress;
  private final int[] rowLine;
  private final int[] rowFile;
  private final int[] rowDiscriminator;
  private final boolean[] rowEnd;

  private final int[] sequenceFirstRow;
  private final int[] sequenceEndRow;
  private final long[] sequenceLow;
  private final long[] sequenceHigh;

  LineTable(
      boolean dwarf5,
      String compDir,
      String[] directories,
      String[] fileNames,
      int[] fileDirectories,
      long[] rowAddress,
      int[] rowLine,
      int[] rowFile,
      int[] rowDiscriminator,
      boolean[] rowEnd,
      int[] sequenceFirstRow,
      int[] sequenceEndRow,
      long[] sequenceLow,
      long[] sequenceHigh) {
    this.dwarf5 = dwarf5;
    this.compDir = compDir;
    this.directories = directories;
    this.fileNames = fileNames;
    this.fileDirectories = fileDirectories;
    this.paths = new String[fileNames.length];
    this.rowAddress = rowAddress;
    this.rowLine = rowLine;
    this.rowFile = rowFile;
    this.rowDiscriminator = rowDiscriminator;
    this.rowEnd = rowEnd;
    this.sequenceFirstRow = sequenceFirstRow;
    this.sequenceEndRow = sequenceEndRow;
    this.sequenceLow = sequenceLow;
    this.sequenceHigh = sequenceHigh;
  }

  /** The row that holds {@code address}, or -1. */
  int find(long address) {
    int low = 0;
    int high = sequenceLow.length - 1;
    int sequence = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (address < sequenceLow[mid]) {
        high = mid - 1;
      } else if (address >= sequenceHigh[mid]) {
        low = mid + 1;
      } else {
        sequence = mid;
        break;
      }
    }
    if (sequence < 0) {
      return -1;
    }
    int first = sequenceFirstRow[sequence];
    int end = sequenceEndRow[sequence];
    int lo = first;
    int hi = end - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (rowAddress[mid] <= address) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    int row = hi;
    if (row < first || row >= end - 1 || rowEnd[row]) {
      return -1;
    }
    return row;
  }

  int line(int row) {
    return rowLine[row];
  }

  int discriminator(int row) {
    return rowDiscriminator[row];
  }

  String file(int row) {
    return path(rowFile[row]);
  }

  /** The path of file {@code index} as the line program numbers files, or null. */
  String path(long index) {
    int entry;
    if (dwarf5) {
      entry = index < 0 || index > Integer.MAX_VALUE ? -1 : (int) index;
    } else {
      entry = index <= 0 || index > Integer.MAX_VALUE ? -1 : (int) index - 1;
    }
    if (entry < 0 || entry >= fileNames.length) {
      return null;
    }
    String path = paths[entry];
    if (path == null) {
      path = join(entry);
      paths[entry] = path;
    }
    return path;
  }

  private String join(int entry) {
    String name = fileNames[entry];
    if (name == null || isAbsolute(name)) {
      return name;
    }
    int directory = dwarf5 ? fileDirectories[entry] : fileDirectories[entry] - 1;
    String subdirectory =
        directory >= 0 && directory < directories.length ? directories[directory] : null;
    String base = null;
    if (subdirectory == null || !isAbsolute(subdirectory)) {
      base = compDir;
    }
    if (base == null) {
      base = subdirectory;
      subdirectory = null;
    }
    if (base == null) {
      return name;
    }
    return subdirectory == null ? base + "/" + name : base + "/" + subdirectory + "/" + name;
  }

  private static boolean isAbsolute(String path) {
    return path.startsWith("/");
  }

  /** Adds the address range of each sequence to {@code out} as (low, high) pairs. */
  void addSequenceRanges(LongList out) {
    for (int i = 0; i < sequenceLow.length; i++) {
      if (sequenceHigh[i] > sequenceLow[i]) {
        out.add(sequenceLow[i]);
        out.add(sequenceHigh[i]);
      }
    }
  }

  int rowCount() {
    return rowAddress.length;
  }

  long estimatedBytes() {
    long bytes = 128L + 21L * rowAddress.length + 24L * sequenceLow.length;
    for (String name : fileNames) {
      bytes += 48 + (name == null ? 0 : name.length());
    }
    for (String directory : directories) {
      bytes += 48 + (directory == null ? 0 : directory.length());
    }
    return bytes + 12L * fileNames.length;
  }
}
