package io.leakdetector.uprobes.event;

import java.util.Arrays;

/**
 * What each open perf event is, found by the id the kernel writes into its records ({@code
 * PERF_SAMPLE_IDENTIFIER}): an entry or return probe of a probe site, or a side-band event (thread
 * and module records), and the thread it was opened for.
 */
public final class EventTable {
  public static final int ENTRY_PROBE = 1;
  public static final int RETURN_PROBE = 2;
  public static final int SIDEBAND = 3;

  private final LongIntMap byId = new LongIntMap(256);
  private int[] role = new int[256];
  private int[] site = new int[256];
  private int[] tid = new int[256];
  private int[] free = new int[256];
  private int freeCount;
  private int used;

  /** Registers an event; returns its descriptor. */
  public int add(long id, int eventRole, int siteIndex, int threadId) {
    int d;
    if (freeCount > 0) {
      d = free[--freeCount];
    } else {
      if (used == role.length) {
        role = Arrays.copyOf(role, used * 2);
        site = Arrays.copyOf(site, used * 2);
        tid = Arrays.copyOf(tid, used * 2);
      }
      d = used++;
    }
    role[d] = eventRole;
    site[d] = siteIndex;
    tid[d] = threadId;
    byId.put(id, d);
    return d;
  }

  /** Forgets an event (its thread exited and its records are processed). */
  public void remove(long id) {
    int d = byId.remove(id, -1);
    if (d >= 0) {
      if (freeCount == free.length) {
        free = Arrays.copyOf(free, freeCount * 2);
      }
      free[freeCount++] = d;
    }
  }

  /** The descriptor of {@code id}, or -1 when unknown. */
  public int find(long id) {
    return byId.get(id, -1);
  }

  public int role(int descriptor) {
    return role[descriptor];
  }

  public int site(int descriptor) {
    return site[descriptor];
  }

  public int tid(int descriptor) {
    return tid[descriptor];
  }

  public int size() {
    return byId.size();
  }
}
