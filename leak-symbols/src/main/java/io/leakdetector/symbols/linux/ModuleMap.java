package io.leakdetector.symbols.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The target's mapped ranges by address. A new range replaces whatever it overlaps (as the kernel's
 * mmap does); ranges that are unmapped later stay, so stacks recorded earlier still resolve after
 * the target has exited. Thread-safe.
 */
final class ModuleMap {
  private final TreeMap<Long, MappedRange> ranges = new TreeMap<>(Long::compareUnsigned);

  synchronized void add(MappedRange range) {
    List<MappedRange> keep = new ArrayList<>(2);
    Map.Entry<Long, MappedRange> below = ranges.lowerEntry(range.start());
    if (below != null && Long.compareUnsigned(below.getValue().end(), range.start()) > 0) {
      MappedRange old = ranges.remove(below.getKey());
      keep.add(old.slice(old.start(), range.start()));
      if (Long.compareUnsigned(old.end(), range.end()) > 0) {
        keep.add(old.slice(range.end(), old.end()));
      }
    }
    while (true) {
      Map.Entry<Long, MappedRange> next = ranges.ceilingEntry(range.start());
      if (next == null || Long.compareUnsigned(next.getKey(), range.end()) >= 0) {
        break;
      }
      MappedRange old = ranges.remove(next.getKey());
      if (Long.compareUnsigned(old.end(), range.end()) > 0) {
        keep.add(old.slice(range.end(), old.end()));
      }
    }
    for (MappedRange part : keep) {
      ranges.put(part.start(), part);
    }
    ranges.put(range.start(), range);
  }

  /** Removes the parts of any range overlapping {@code [start, end)}. */
  synchronized void clear(long start, long end) {
    add(new MappedRange(start, end, 0, null, null));
    ranges.remove(start);
  }

  /** Forgets every range (the process ran a new program). */
  synchronized void clearAll() {
    ranges.clear();
  }

  /** The range holding {@code address}, or {@code null}. */
  synchronized MappedRange find(long address) {
    Map.Entry<Long, MappedRange> e = ranges.floorEntry(address);
    return e != null && e.getValue().contains(address) ? e.getValue() : null;
  }

  /** The range starting exactly at {@code start}, or {@code null}. */
  synchronized MappedRange at(long start) {
    return ranges.get(start);
  }

  synchronized List<MappedRange> all() {
    return List.copyOf(ranges.values());
  }

  synchronized int size() {
    return ranges.size();
  }
}
