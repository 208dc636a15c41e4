package io.leakdetector.symbols.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A runtime's perf map ({@code /tmp/perf-PID.map}): lines {@code START SIZE name}, both numbers hex
 * with or without {@code 0x} (HotSpot writes {@code 0x}, Node.js, .NET and LuaJIT do not). Lines
 * that are not of this form are skipped. Where entries overlap the later line wins, as perf takes
 * it: a JIT reuses freed code memory and appends the new code's line. Kept in sorted primitive
 * arrays of non-overlapping pieces, each remembering the start of the entry it belongs to.
 */
public final class PerfMap {
  private static final PerfMap EMPTY =
      new PerfMap(new long[0], new long[0], new long[0], new int[0], new String[0], 0);

  private final long[] pieceStart;
  private final long[] pieceEnd;
  private final long[] entryStart;
  private final int[] nameIndex;
  private final String[] names;
  private final int skipped;

  private PerfMap(
      long[] pieceStart,
      long[] pieceEnd,
      long[] entryStart,
      int[] nameIndex,
      String[] names,
      int skipped) {
    this.pieceStart = pieceStart;
    this.pieceEnd = pieceEnd;
    this.entryStart = entryStart;
    this.nameIndex = nameIndex;
    this.names = names;
    this.skipped = skipped;
  }

  public static PerfMap empty() {
    return EMPTY;
  }

  /** Reads a perf map file. */
  public static PerfMap read(Path file) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(in);
    }
  }

  /** Parses a perf map's lines. */
  public static PerfMap parse(BufferedReader in) throws IOException {
    Lines lines = new Lines();
    int skipped = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!lines.add(line) && !line.isBlank()) {
        skipped++;
      }
    }
    return lines.build(skipped);
  }

  /** The number of address pieces (entries split where later ones overlap them). */
  public int size() {
    return pieceStart.length;
  }

  /** Lines that were not {@code START SIZE name} (or had an empty range). */
  public int skippedLines() {
    return skipped;
  }

  /** The piece holding {@code address}, or −1. */
  public int indexOf(long address) {
    int lo = 0;
    int hi = pieceStart.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(pieceStart[mid], address) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return hi >= 0 && Long.compareUnsigned(address, pieceEnd[hi]) < 0 ? hi : -1;
  }

  /** The start of the entry the piece belongs to (the code's entry point). */
  public long start(int index) {
    return entryStart[index];
  }

  /** The name the map gives the piece's entry, as written. */
  public String name(int index) {
    return names[nameIndex[index]];
  }

  /** The entries of a parse, in file order, before overlaps are settled. */
  private static final class Lines {
    private long[] starts = new long[1024];
    private long[] ends = new long[1024];
    private String[] names = new String[1024];
    private int count;

    boolean add(String line) {
      int a = skipSpaces(line, 0);
      int aEnd = token(line, a);
      int s = skipSpaces(line, aEnd);
      int sEnd = token(line, s);
      int n = skipSpaces(line, sEnd);
      if (aEnd == a || sEnd == s || n >= line.length() || n == sEnd) {
        return false;
      }
      long start = hex(line, a, aEnd);
      long size = hex(line, s, sEnd);
      if (start == -1 || size <= 0 || Long.compareUnsigned(start + size, start) < 0) {
        return false;
      }
      if (count == starts.length) {
        starts = Arrays.copyOf(starts, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
        names = Arrays.copyOf(names, count * 2);
      }
      starts[count] = start;
      ends[count] = start + size;
      names[count] = line.substring(n).strip();
      count++;
      return true;
    }

    /**
     * Splits the entries at every boundary; each elementary segment belongs to the latest entry
     * covering it (a max-heap of line numbers, entries whose end has passed dropped lazily).
     */
    PerfMap build(int skipped) {
      long[] bounds = new long[count * 2];
      System.arraycopy(starts, 0, bounds, 0, count);
      System.arraycopy(ends, 0, bounds, count, count);
      int nb = sortUnique(bounds);
      int[] byStart = sortedByStart();
      int[] heap = new int[Math.max(1, count)];
      int heapSize = 0;
      long[] ps = new long[Math.max(16, count)];
      long[] pe = new long[ps.length];
      int[] owner = new int[ps.length];
      int pieces = 0;
      int next = 0;
      for (int b = 0; b + 1 < nb; b++) {
        long segStart = bounds[b];
        long segEnd = bounds[b + 1];
        while (next < count && starts[byStart[next]] == segStart) {
          heapSize = push(heap, heapSize, byStart[next++]);
        }
        while (heapSize > 0 && Long.compareUnsigned(ends[heap[0]], segStart) <= 0) {
          heapSize = pop(heap, heapSize);
        }
        if (heapSize == 0) {
          continue;
        }
        int top = heap[0];
        if (pieces > 0 && owner[pieces - 1] == top && pe[pieces - 1] == segStart) {
          pe[pieces - 1] = segEnd;
          continue;
        }
        if (pieces == ps.length) {
          ps = Arrays.copyOf(ps, pieces * 2);
          pe = Arrays.copyOf(pe, pieces * 2);
          owner = Arrays.copyOf(owner, pieces * 2);
        }
        ps[pieces] = segStart;
        pe[pieces] = segEnd;
        owner[pieces] = top;
        pieces++;
      }
      long[] es = new long[pieces];
      int[] nameIdx = new int[pieces];
      for (int i = 0; i < pieces; i++) {
        es[i] = starts[owner[i]];
        nameIdx[i] = owner[i];
      }
      return new PerfMap(
          Arrays.copyOf(ps, pieces),
          Arrays.copyOf(pe, pieces),
          es,
          nameIdx,
          Arrays.copyOf(names, count),
          skipped);
    }

    /** Entry indices sorted by unsigned start (a bottom-up merge sort on primitive arrays). */
    private int[] sortedByStart() {
      int[] order = new int[count];
      int[] buffer = new int[count];
      for (int i = 0; i < count; i++) {
        order[i] = i;
      }
      for (int width = 1; width < count; width *= 2) {
        for (int lo = 0; lo < count; lo += 2 * width) {
          int mid = Math.min(lo + width, count);
          int hi = Math.min(lo + 2 * width, count);
          int i = lo;
          int j = mid;
          for (int k = lo; k < hi; k++) {
            if (i < mid
                && (j >= hi || Long.compareUnsigned(starts[order[i]], starts[order[j]]) <= 0)) {
              buffer[k] = order[i++];
            } else {
              buffer[k] = order[j++];
            }
          }
        }
        int[] t = order;
        order = buffer;
        buffer = t;
      }
      return order;
    }

    private static int sortUnique(long[] values) {
      for (int i = 0; i < values.length; i++) {
        values[i] ^= Long.MIN_VALUE;
      }
      Arrays.sort(values);
      int n = 0;
      for (int i = 0; i < values.length; i++) {
        if (n == 0 || values[n - 1] != values[i]) {
          values[n++] = values[i];
        }
      }
      for (int i = 0; i < n; i++) {
        values[i] ^= Long.MIN_VALUE;
      }
      return n;
    }

    private static int push(int[] heap, int size, int value) {
      int i = size;
      heap[i] = value;
      while (i > 0) {
        int parent = (i - 1) / 2;
        if (heap[parent] >= heap[i]) {
          break;
        }
        int t = heap[parent];
        heap[parent] = heap[i];
        heap[i] = t;
        i = parent;
      }
      return size + 1;
    }

    private static int pop(int[] heap, int size) {
      int last = size - 1;
      heap[0] = heap[last];
      int i = 0;
      while (true) {
        int l = 2 * i + 1;
        int r = l + 1;
        int largest = i;
        if (l < last && heap[l] > heap[largest]) {
          largest = l;
        }
        if (r < last && heap[r] > heap[largest]) {
          largest = r;
        }
        if (largest == i) {
          return last;
        }
        int t = heap[largest];
        heap[largest] = heap[i];
        heap[i] = t;
        i = largest;
      }
    }

    private static int skipSpaces(String s, int i) {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
      return i;
    }

    private static int token(String s, int i) {
      while (i < s.length() && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
        i++;
      }
      return i;
    }

    /** The hex number in {@code s[from, to)}, with or without {@code 0x}; −1 when not one. */
    private static long hex(String s, int from, int to) {
      if (to - from > 2 && s.charAt(from) == '0' && (s.charAt(from + 1) | 0x20) == 'x') {
        from += 2;
      }
      if (to - from > 16) {
        return -1;
      }
      long value = 0;
      for (int i = from; i < to; i++) {
        int d = Character.digit(s.charAt(i), 16);
        if (d < 0) {
          return -1;
        }
        value = value << 4 | d;
      }
      return value;
    }
  }
}
