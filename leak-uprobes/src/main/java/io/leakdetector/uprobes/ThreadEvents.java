package io.leakdetector.uprobes;

import java.util.Arrays;

/** The perf events opened for one thread of the target: their fds and kernel ids. */
final class ThreadEvents {
  final int tid;
  int[] fds = new int[32];
  long[] ids = new long[32];
  boolean[] entry = new boolean[32];
  int count;

  ThreadEvents(int tid) {
    this.tid = tid;
  }

  void add(int fd, long id, boolean isEntry) {
    if (count == fds.length) {
      fds = Arrays.copyOf(fds, count * 2);
      ids = Arrays.copyOf(ids, count * 2);
      entry = Arrays.copyOf(entry, count * 2);
    }
    fds[count] = fd;
    ids[count] = id;
    entry[count] = isEntry;
    count++;
  }
}
