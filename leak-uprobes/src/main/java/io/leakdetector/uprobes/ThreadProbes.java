package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.uprobes.event.EventTable;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.probe.ProbeSite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The per-thread design's probe events: for each thread of the target, an event per probe and CPU
 * (and side-band dummies), each written into its CPU's ring; opened when a thread is found or
 * reported created, enabled phase by phase ({@link ThreadEvents}), kept after the thread's exit
 * (fact 2 of the README) and closed together at the end.
 */
final class ThreadProbes {
  private final PerfEvents perf;
  private final ProbeAttrs attrs;
  private final SiteTable sites;
  private final EventTable table;
  private final int[] cpus;
  private final int[] ringFds;
  private final Map<Integer, ThreadEvents> threads = new HashMap<>();
  private final List<ThreadEvents> exitedThreads = new ArrayList<>();
  private final List<PerfEventAttr> entryAttrs = new ArrayList<>();
  private final List<PerfEventAttr> returnAttrs = new ArrayList<>();
  private volatile boolean closed;

  volatile long threadsAttached;
  volatile long threadsAttachedAfterStart;
  volatile long threadsGoneBeforeAttach;
  volatile long threadsMissed;
  volatile long threadAttachFailures;
  volatile long threadAttachDelayMaxMicros;
  volatile long threadAttachMicrosMax;
  volatile long threadAttachMicrosTotal;
  volatile long eventsOpen;
  volatile long exitedThreadEvents;
  private volatile String lastThreadError = "";

  ThreadProbes(
      PerfEvents perf,
      ProbeAttrs attrs,
      SiteTable sites,
      EventTable table,
      int[] cpus,
      int[] ringFds) {
    this.perf = perf;
    this.attrs = attrs;
    this.sites = sites;
    this.table = table;
    this.cpus = cpus;
    this.ringFds = ringFds;
  }

  boolean has(int tid) {
    synchronized (threads) {
      return threads.containsKey(tid);
    }
  }

  List<ThreadEvents> all() {
    synchronized (threads) {
      return new ArrayList<>(threads.values());
    }
  }

  String lastThreadError() {
    return lastThreadError;
  }

  /** A thread reported created while tracing: its events are opened and enabled at once. */
  void threadCreated(int tid, long timeNanos) {
    synchronized (threads) {
      if (threads.containsKey(tid) || closed) {
        return;
      }
    }
    try {
      attachThread(tid, false, false, true);
      threadsAttachedAfterStart++;
      long delay = (System.nanoTime() - timeNanos) / 1000;
      if (delay > threadAttachDelayMaxMicros) {
        threadAttachDelayMaxMicros = delay;
      }
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LinuxC.ESRCH) {
        threadsGoneBeforeAttach++;
        threadsMissed++; // created while tracing, ended before its events were open
      } else {
        lastThreadError = LinuxC.strerror(e.getErrorCode());
        threadAttachFailures++;
      }
    }
  }

  /**
   * Opens the events of sites {@code [from, size)} on every thread, then enables them phase by
   * phase across all of them (a block one thread allocates through a new libc and another frees
   * must not fall into a gap between them). Each thread they could not be opened on is reported to
   * {@code failures}.
   *
   * @return whether they were opened on at least one thread
   */
  boolean openOnEveryThread(int from, String what, Consumer<String> failures) {
    List<ThreadEvents> owners = new ArrayList<>();
    List<ThreadEvents> opened = new ArrayList<>();
    for (ThreadEvents events : all()) {
      ThreadEvents added = new ThreadEvents(events.tid);
      try {
        openSites(added, from, sites.size());
        owners.add(events);
        opened.add(added);
      } catch (RuntimeException e) {
        closeEvents(added);
        if (e instanceof LastErrorException le && le.getErrorCode() == LinuxC.ESRCH) {
          continue; // the thread has ended meanwhile
        }
        failures.accept(
            "cannot probe "
                + what
                + " in thread "
                + events.tid
                + ": "
                + (e instanceof LastErrorException le
                    ? LinuxC.strerror(le.getErrorCode())
                    : e.toString()));
      }
    }
    try {
      enable(opened);
    } catch (LastErrorException e) {
      // ESRCH aside (a thread ended: its events stay until it is reaped), enabling cannot fail on
      // an event just opened; keep what is enabled, and count the rest as one failure
      if (e.getErrorCode() != LinuxC.ESRCH) {
        failures.accept(
            "cannot enable the probes of " + what + ": " + LinuxC.strerror(e.getErrorCode()));
      }
    }
    for (int i = 0; i < opened.size(); i++) {
      owners.get(i).addAll(opened.get(i));
    }
    return !opened.isEmpty();
  }

  /** Closes every thread's events, concurrently (see {@link Closer}). */
  void closeAll() {
    closed = true;
    List<ThreadEvents> everything;
    synchronized (threads) {
      everything = new ArrayList<>(threads.values());
      everything.addAll(exitedThreads);
      threads.clear();
      exitedThreads.clear();
    }
    closeInParallel(everything);
  }

  /**
   * Makes the event attributes of every site from {@code first} on.
   *
   * @param beforeExec whether they are opened on a held launcher, to be enabled by its exec
   */
  void addAttrs(int first, boolean beforeExec) {
    for (int s = first; s < sites.size(); s++) {
      ProbeSite site = sites.site(s);
      long path = sites.pathAddress(s);
      entryAttrs.add(attrs.entry(path, site.probeOffset(), beforeExec));
      returnAttrs.add(
          site.function().hasReturnProbe()
              ? attrs.ret(path, site.probeOffset(), site.kind(), beforeExec)
              : null);
    }
  }

  /**
   * Opens every probe event (return probes first, so that an entry recorded always has its return
   * recorded) and optionally the side-band events of a thread.
   *
   * @throws LastErrorException when an open fails; the events opened so far are closed
   */
  ThreadEvents attachThread(int tid, boolean sideband, boolean beforeExec, boolean enable) {
    long begin = System.nanoTime();
    ThreadEvents events = new ThreadEvents(tid);
    try {
      openSites(events, 0, sites.size());
      if (sideband) {
        PerfEventAttr attr = attrs.sideband(beforeExec);
        for (int c = 0; c < cpus.length; c++) {
          openOne(events, attr, c, EventTable.SIDEBAND, -1, ThreadEvents.RETURNS);
        }
      }
      if (enable) {
        enable(events);
      }
    } catch (LastErrorException e) {
      closeEvents(events);
      throw e;
    }
    synchronized (threads) {
      threads.put(tid, events);
    }
    threadsAttached++;
    long micros = (System.nanoTime() - begin) / 1000;
    threadAttachMicrosMax = Math.max(threadAttachMicrosMax, micros);
    threadAttachMicrosTotal += micros;
    return events;
  }

  /** Opens the probe events of sites {@code [from, to)}; a retired site (no attrs) is skipped. */
  void openSites(ThreadEvents events, int from, int to) {
    for (int s = from; s < to; s++) {
      PerfEventAttr ret = returnAttrs.get(s);
      if (ret != null && !sites.retired(s)) {
        for (int c = 0; c < cpus.length; c++) {
          openOne(events, ret, c, EventTable.RETURN_PROBE, s, ThreadEvents.RETURNS);
        }
      }
    }
    for (int s = from; s < to; s++) {
      PerfEventAttr entry = entryAttrs.get(s);
      if (!sites.retired(s)) {
        byte phase = ThreadEvents.entryPhase(sites.site(s).kind());
        for (int c = 0; c < cpus.length; c++) {
          openOne(events, entry, c, EventTable.ENTRY_PROBE, s, phase);
        }
      }
    }
  }

  private void openOne(
      ThreadEvents events, PerfEventAttr attr, int cpuIndex, int role, int site, byte phase) {
    int fd = perf.open(attr, events.tid, cpus[cpuIndex], -1);
    try {
      perf.setOutput(fd, ringFds[cpuIndex]);
      long id = perf.id(fd);
      table.add(id, role, site, events.tid);
      events.add(fd, id, phase);
      eventsOpen++;
    } catch (LastErrorException e) {
      LinuxC.close(fd);
      throw e;
    }
  }

  /** Enables the events of one thread, phase by phase (see {@link ThreadEvents}). */
  private void enable(ThreadEvents events) {
    enable(List.of(events));
  }

  /** Enables the events of several threads, each phase in all of them before the next. */
  void enable(List<ThreadEvents> all) {
    ThreadEvents.inEnableOrder(all, perf::enable);
  }

  void closeEvents(ThreadEvents events) {
    for (int k = 0; k < events.count; k++) {
      try {
        LinuxC.close(events.fds[k]);
      } catch (LastErrorException e) {
        // already closed
      }
      table.remove(events.ids[k]);
      eventsOpen--;
    }
    events.count = 0;
  }

  /**
   * A thread's exit has been processed: its side-band events are closed. Its uprobe events stay
   * open until the source closes: closing the uprobe events of an exited thread while other
   * threads' events on the same probes stay open made those stop delivering samples a little later
   * on Linux 6.18 (measured, reproduced in C; closing them while the thread lives is fine).
   */
  void threadExited(int tid) {
    ThreadEvents events;
    synchronized (threads) {
      events = threads.remove(tid);
    }
    if (events == null) {
      return;
    }
    ThreadEvents kept = new ThreadEvents(tid);
    for (int k = 0; k < events.count; k++) {
      int d = table.find(events.ids[k]);
      if (d >= 0 && table.role(d) == EventTable.SIDEBAND) {
        closeQuietly(events.fds[k]);
        table.remove(events.ids[k]);
        eventsOpen--;
      } else {
        table.remove(events.ids[k]);
        kept.add(events.fds[k], events.ids[k], events.phase[k]);
      }
    }
    synchronized (threads) {
      exitedThreads.add(kept);
    }
    exitedThreadEvents += kept.count;
  }

  /** Closes the events of all threads, concurrently (see {@link Closer}). */
  private void closeInParallel(List<ThreadEvents> all) {
    List<Integer> fds = new ArrayList<>();
    for (ThreadEvents events : all) {
      for (int k = 0; k < events.count; k++) {
        fds.add(events.fds[k]);
        table.remove(events.ids[k]);
      }
      events.count = 0;
    }
    eventsOpen -= fds.size();
    Closer.closeInParallel(fds);
  }

  private static void closeQuietly(int fd) {
    Closer.closeQuietly(fd);
  }
}
