package io.leakdetector.symbols.dwarf;

import java.util.ArrayList;
import java.util.List;

/**
 * The headers of every unit in {@code .debug_info}, in section order, read once (a walk over the
 * length fields). A corrupt header ends the list there: nothing after it can be trusted.
 */
final class UnitDirectory {
  private final List<UnitHeader> units;
  private final int[] offsets;
  private final String problem;

  UnitDirectory(DwarfCursor info) {
    List<UnitHeader> list = new ArrayList<>();
    String trouble = null;
    while (info.hasMore()) {
      try {
        list.add(UnitHeader.read(info, list.size()));
      } catch (DwarfException e) {
        trouble = e.getMessage();
        break;
      }
    }
    this.units = List.copyOf(list);
    this.problem = trouble;
    this.offsets = new int[units.size()];
    for (int i = 0; i < offsets.length; i++) {
      offsets[i] = units.get(i).offset();
    }
  }

  int size() {
    return units.size();
  }

  UnitHeader get(int index) {
    return units.get(index);
  }

  /** Why the walk stopped early, or null when it read the whole section. */
  String problem() {
    return problem;
  }

  /** The index of the unit whose bytes hold {@code sectionOffset}, or -1. */
  int unitAt(long sectionOffset) {
    int low = 0;
    int high = offsets.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (offsets[mid] <= sectionOffset) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (high < 0 || sectionOffset >= units.get(high).end()) {
      return -1;
    }
    return high;
  }

  /** The index of the unit that starts exactly at {@code sectionOffset}, or -1. */
  int unitStartingAt(long sectionOffset) {
    int index = unitAt(sectionOffset);
    return index >= 0 && offsets[index] == sectionOffset ? index : -1;
  }
}
