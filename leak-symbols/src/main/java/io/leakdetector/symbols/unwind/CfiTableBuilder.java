package io.leakdetector.symbols.unwind;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Collects the rows of frame descriptions given in ascending start order into the arrays of a
 * {@link CfiTable}: a gap between two descriptions becomes a {@link CfiRule#NONE} row, a
 * description that starts inside the previous one cuts it short, rows past a description's end are
 * dropped, and a row equal to the one before it is merged into it. Identical rules are stored once.
 */
final class CfiTableBuilder implements CfaProgram.RowSink {
  private final long base;
  private int[] starts = new int[256];
  private int[] ids = new int[256];
  private int rowCount;
  private final Map<Long, Integer> ruleIds = new HashMap<>();
  private long[] rules = new long[64];
  private int ruleCount;
  private long end;
  private boolean started;

  /**
   * @param base the lowest start of all descriptions; rows are stored relative to it
   */
  CfiTableBuilder(long base) {
    this.base = base;
    idOf(CfiRule.NONE);
  }

  /** Starts the rows of a description of {@code [start, end)}. */
  void begin(long start, long end) {
    if (Long.compareUnsigned(start, base) < 0) {
      throw new IllegalArgumentException("descriptions must come in ascending order");
    }
    if (started && Long.compareUnsigned(start, this.end) < 0) {
      int at = relative(start);
      while (rowCount > 0 && starts[rowCount - 1] >= at) {
        rowCount--;
      }
    } else if (started && Long.compareUnsigned(start, this.end) > 0) {
      appendRow(this.end, CfiRule.NONE);
    }
    this.end = end;
    relative(end - 1);
    started = true;
  }

  @Override
  public void row(long address, long rule) {
    if (Long.compareUnsigned(address, end) >= 0) {
      return;
    }
    appendRow(address, rule);
  }

  private void appendRow(long address, long rule) {
    int at = relative(address);
    int id = idOf(rule);
    if (rowCount > 0 && starts[rowCount - 1] == at) {
      ids[rowCount - 1] = id; // an empty row: the later one holds
      if (rowCount > 1 && ids[rowCount - 2] == id) {
        rowCount--;
      }
      return;
    }
    if (rowCount > 0 && ids[rowCount - 1] == id) {
      return;
    }
    if (rowCount == starts.length) {
      starts = Arrays.copyOf(starts, rowCount * 2);
      ids = Arrays.copyOf(ids, rowCount * 2);
    }
    starts[rowCount] = at;
    ids[rowCount] = id;
    rowCount++;
  }

  private int relative(long address) {
    long offset = address - base;
    if (offset < 0 || offset > Integer.MAX_VALUE) {
      throw new MalformedCfiException("call frame information spans more than 2 GiB");
    }
    return (int) offset;
  }

  private int idOf(long rule) {
    Integer id = ruleIds.get(rule);
    if (id != null) {
      return id;
    }
    if (ruleCount == rules.length) {
      rules = Arrays.copyOf(rules, ruleCount * 2);
    }
    rules[ruleCount] = rule;
    ruleIds.put(rule, ruleCount);
    return ruleCount++;
  }

  /** The table; the builder must not be used afterwards. */
  CfiTable finish(CfiArchitecture architecture, CfiTable.Statistics statistics) {
    if (started) {
      appendRow(end, CfiRule.NONE);
    }
    int[] rowStarts = Arrays.copyOf(starts, rowCount);
    long[] distinct = Arrays.copyOf(rules, ruleCount);
    if (ruleCount <= Character.MAX_VALUE + 1) {
      char[] narrow = new char[rowCount];
      for (int i = 0; i < rowCount; i++) {
        narrow[i] = (char) ids[i];
      }
      return new CfiTable(architecture, base, rowStarts, narrow, null, distinct, statistics);
    }
    return new CfiTable(
        architecture, base, rowStarts, null, Arrays.copyOf(ids, rowCount), distinct, statistics);
  }
}
