package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.ModuleListener;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.event.AllocationPairing;
import io.leakdetector.uprobes.event.EventBatch;
import io.leakdetector.uprobes.event.EventTable;
import io.leakdetector.uprobes.event.RecordDecoder;
import io.leakdetector.uprobes.event.Warmup;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.linux.PerfRing;
import io.leakdetector.uprobes.linux.UprobePmu;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import io.leakdetector.uprobes.probe.ProbeSite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A live stream of one process's heap events from uprobes on its libc's allocator, read through
 * perf ring buffers (one per CPU) and applied in time order. See the module README for the design
 * and the kernel facts it rests on.
 */
final class UprobesSource implements HeapEventSource, RecordDecoder.Sideband {
  private static final int PAGE_SIZE = LinuxC.getpagesize();

  private final CpuArch arch;
  private final PerfEvents perf;
  private final SourceOptions options;
  private final ProbeAttrs attrs;
  private final TargetProcess target;
  private final int pid;
  private final Process launched;

  private final SiteTable sites = new SiteTable();
  private final EventTable table = new EventTable();
  private final Map<Integer, ThreadEvents> threads = new HashMap<>();
  private final List<ThreadEvents> exitedThreads = new ArrayList<>();
  private final LibcProbePlanner planner;
  private int pidfd = -1;
  private int[] cpus = new int[0];
  private int[] ringFds = new int[0];
  private PerfRing[] rings = new PerfRing[0];
  private final List<PerfEventAttr> entryAttrs = new ArrayList<>();
  private final List<PerfEventAttr> returnAttrs = new ArrayList<>();

  private HeapEventSink sink;
  private final MappingWatch mappings;
  private RecordDecoder decoder;
  private AllocationPairing pairing;
  private EventBatch current;
  private EventBatch next;
  private EventBatch spill;
  private volatile long spills;
  private Thread consumer;
  private volatile boolean stopRequested;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile boolean targetExited;

  /** Every event older than this (System.nanoTime) has been handed to the sink. */
  private volatile long processedUpTo = Long.MIN_VALUE;

  private long lastProcessedTime = Long.MIN_VALUE;
  private volatile long lateEvents;
  private volatile long threadsAttached;
  private volatile long threadsAttachedAfterStart;
  private volatile long threadsGoneBeforeAttach;
  private volatile long threadsMissed;
  private volatile long threadAttachFailures;
  private volatile long threadAttachDelayMaxMicros;
  private volatile long threadAttachMicrosMax;
  private volatile long threadAttachMicrosTotal;
  private volatile long drains;
  private volatile long eventsOpen;
  private volatile long exitedThreadEvents;
  private volatile long closeMillis;
  private volatile long warmupMillis;
  private Thread warmup;
  private volatile String lastThreadError = "";

  private UprobesSource(
      CpuArch arch,
      UprobePmu pmu,
      SourceOptions options,
      boolean includeKernelFrames,
      TargetProcess target,
      Process launched) {
    this.arch = arch;
    this.perf = new PerfEvents(arch);
    this.options = options;
    this.target = target;
    this.pid = (int) target.pid();
    this.launched = launched;
    this.attrs = new ProbeAttrs(arch, pmu, options, includeKernelFrames, launched != null);
    this.planner =
        new LibcProbePlanner(options.placeAfterPrologue() && arch.placesProbesAfterPrologue());
    this.mappings = new MappingWatch(pid, arch, perf, planner, sites);
  }

  // ------------------------------------------------------------------ opening

  /** Attaches to a running process: probes its libc, opens and (on start) enables every event. */
  static UprobesSource attach(
      CpuArch arch, UprobePmu pmu, SourceOptions options, boolean kernelFrames, long pid)
      throws LeakDetectorException {
    TargetAttach.checkPid(pid);
    TargetProcess target = new TargetProcess(pid, ProcFs.comm(pid));
    UprobesSource source = new UprobesSource(arch, pmu, options, kernelFrames, target, null);
    try {
      source.open(null);
      return source;
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  /** Opens the events on a launcher held stopped before its exec; {@link #start} lets it run. */
  static UprobesSource launched(
      CpuArch arch,
      UprobePmu pmu,
      SourceOptions options,
      boolean kernelFrames,
      Process process,
      String name,
      List<LibcLocator.Found> libcs)
      throws LeakDetectorException {
    TargetProcess target = new TargetProcess(process.pid(), name);
    UprobesSource source = new UprobesSource(arch, pmu, options, kernelFrames, target, process);
    try {
      source.open(libcs);
      return source;
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  private void open(List<LibcLocator.Found> launchLibcs) throws LeakDetectorException {
    // compile the reader's hot code while the kernel registers the probes (see Warmup)
    warmup =
        new Thread(
            () -> {
              long begin = System.nanoTime();
              Warmup.run(layout(arch), 100);
              warmupMillis = (System.nanoTime() - begin) / 1_000_000;
            },
            "leakdetector-uprobes-warmup");
    warmup.setDaemon(true);
    warmup.start();
    pidfd = TargetAttach.openPidfd(perf, pid);
    List<LibcLocator.Found> libcs = launchLibcs != null ? launchLibcs : TargetAttach.findLibcs(pid);
    TargetAttach.planAll(planner, libcs, sites, pid);
    addAttrs(0);
    try {
      cpus = ProcFs.onlineCpus();
    } catch (IOException | RuntimeException e) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE, "Cannot read the online CPUs: " + e.getMessage() + ".", e);
    }
    openRings();
    List<Integer> tids = ProcFs.threads(pid);
    if (tids.isEmpty()) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " exited while attaching.");
    }
    boolean beforeExec = launched != null;
    for (int round = 0; round < 10 && !tids.isEmpty(); round++) {
      for (int tid : tids) {
        if (threads.containsKey(tid)) {
          continue;
        }
        try {
          attachThread(tid, true, beforeExec, false);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == LinuxC.ESRCH && tid != pid) {
            threadsGoneBeforeAttach++;
            continue; // that thread ended meanwhile
          }
          throw PerfErrors.translate(e, pid, "a uprobe");
        }
      }
      // threads created while we opened events of their creator: take them too
      tids = new ArrayList<>(ProcFs.threads(pid));
      tids.removeIf(threads::containsKey);
    }
    if (!threads.containsKey(pid) || !ProcFs.exists(pid)) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " exited while attaching.");
    }
  }

  /** Makes the event attributes of every site from {@code first} on. */
  private void addAttrs(int first) {
    for (int s = first; s < sites.size(); s++) {
      ProbeSite site = sites.site(s);
      long path = sites.pathAddress(s);
      entryAttrs.add(attrs.entry(path, site.probeOffset(), launched != null && !started));
      returnAttrs.add(
          site.function().hasReturnProbe()
              ? attrs.ret(path, site.probeOffset(), site.kind(), launched != null && !started)
              : null);
    }
  }

  private void openRings() throws LeakDetectorException {
    ringFds = new int[cpus.length];
    rings = new PerfRing[cpus.length];
    java.util.Arrays.fill(ringFds, -1);
    PerfEventAttr owner = attrs.ringOwner();
    for (int c = 0; c < cpus.length; c++) {
      try {
        ringFds[c] = perf.open(owner, -1, cpus[c], -1);
        rings[c] = PerfRing.map(ringFds[c], cpus[c], options.ringBytes(), PAGE_SIZE);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LinuxC.EPERM || e.getErrorCode() == LinuxC.EACCES) {
          throw new LeakDetectorException(
              Kind.NOT_PERMITTED,
              "Not permitted to open perf ring buffers: " + PerfErrors.permissionHint() + ".",
              e);
        }
        throw PerfErrors.translate(
            e, pid, "a perf ring buffer of " + (options.ringBytes() / 1024) + " KiB");
      }
    }
  }

  /**
   * Opens every probe event (return probes first, so that an entry recorded always has its return
   * recorded) and optionally the side-band events of a thread.
   *
   * @throws LastErrorException when an open fails; the events opened so far are closed
   */
  private ThreadEvents attachThread(int tid, boolean sideband, boolean beforeExec, boolean enable) {
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
  private void openSites(ThreadEvents events, int from, int to) {
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
  private void enable(List<ThreadEvents> all) {
    ThreadEvents.inEnableOrder(all, perf::enable);
  }

  private void closeEvents(ThreadEvents events) {
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

  // ------------------------------------------------------------------ running

  @Override
  public TargetProcess target() {
    return target;
  }

  @Override
  public synchronized void start(HeapEventSink eventSink, ModuleListener moduleListener)
      throws LeakDetectorException {
    if (closed) {
      throw new IllegalStateException("source is closed");
    }
    if (started) {
      throw new IllegalStateException("source already started");
    }
    this.sink = eventSink;
    mappings.start(moduleListener, this::probeLateLibc);
    try {
      warmup.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    RecordDecoder.Layout layout = layout(arch);
    decoder = new RecordDecoder(pid, table, layout, options.maxStack(), this, eventSink);
    decoder.siteDumpsStack(sites.dumpsStack());
    pairing = new AllocationPairing(eventSink, this::readTargetLong, this::threadExited);
    pairing.siteKinds(sites.kinds());
    current = new EventBatch(1 << 16);
    next = new EventBatch(1 << 16);
    spill = new EventBatch(1 << 16);
    started = true;
    try {
      if (launched == null) {
        List<ThreadEvents> all;
        synchronized (threads) {
          all = new ArrayList<>(threads.values());
        }
        enable(all);
      } else {
        LinuxC.kill(pid, LinuxC.SIGCONT);
      }
    } catch (LastErrorException e) {
      throw PerfErrors.translate(e, pid, "enabling the probes");
    }
    consumer = new Thread(this::run, "leakdetector-uprobes-" + pid);
    consumer.setDaemon(true);
    consumer.start();
  }

  static RecordDecoder.Layout layout(CpuArch arch) {
    long entry = arch.entryRegsMask();
    long ret = arch.returnRegsMask();
    long dump = ret | (1L << arch.stackPointer());
    return new RecordDecoder.Layout(
        CpuArch.slotOf(entry, arch.arg0()),
        CpuArch.slotOf(entry, arch.arg1()),
        CpuArch.slotOf(entry, arch.arg2()),
        Long.bitCount(entry),
        CpuArch.slotOf(ret, arch.result()),
        Long.bitCount(ret),
        CpuArch.slotOf(dump, arch.result()),
        arch.result2() >= 0 ? CpuArch.slotOf(dump, arch.result2()) : -1,
        CpuArch.slotOf(dump, arch.stackPointer()),
        Long.bitCount(dump));
  }

  private void run() {
    int n = rings.length + 1;
    try (Memory pollfds = new Memory(8L * n)) {
      for (int c = 0; c < rings.length; c++) {
        pollfds.setInt(8L * c, ringFds[c]);
        pollfds.setShort(8L * c + 4, LinuxC.POLLIN);
      }
      pollfds.setInt(8L * rings.length, pidfd);
      pollfds.setShort(8L * rings.length + 4, LinuxC.POLLIN);
      while (!stopRequested) {
        for (int k = 0; k < n; k++) {
          pollfds.setShort(8L * k + 6, (short) 0);
        }
        try {
          LinuxC.poll(pollfds, n, options.pollMillis());
        } catch (LastErrorException e) {
          if (e.getErrorCode() != LinuxC.EINTR) {
            throw e;
          }
        }
        boolean exited = pollfds.getShort(8L * rings.length + 6) != 0;
        long drainStart = System.nanoTime();
        drainAll();
        processUpTo(exited ? Long.MAX_VALUE : drainStart - options.reorderNanos());
        processedUpTo = drainStart - options.reorderNanos();
        if (exited) {
          drainAll();
          processUpTo(Long.MAX_VALUE);
          targetExited = true;
          sink.onTargetExit(exitCode());
          return;
        }
      }
      drainAll();
      processUpTo(Long.MAX_VALUE);
    } catch (Throwable t) {
      if (!closed) {
        sink.onSourceFailure("The uprobes source stopped: " + t + ".");
      }
    }
  }

  private int exitCode() {
    if (launched == null) {
      return -1;
    }
    try {
      if (launched.waitFor(2, TimeUnit.SECONDS)) {
        return launched.exitValue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return -1;
  }

  private void drainAll() {
    drainInto(current);
  }

  private void drainInto(EventBatch target) {
    decoder.into(target);
    for (PerfRing ring : rings) {
      if (target.count() > EventBatch.MAX_EVENTS - (1 << 20)) {
        break; // the rings keep the rest; the kernel counts what they cannot take
      }
      ring.drain(decoder);
    }
    drains++;
  }

  /**
   * Applies the events of {@code current} older than {@code cutoff} in time order. Every few
   * thousand events it checks the rings and, when one is more than half full, drains them into
   * {@code spill}, so a slow stretch (a cold JIT, a slow sink) does not overflow them.
   */
  private void processUpTo(long cutoff) {
    int ready = current.sort(cutoff);
    sink.beginBatch();
    for (int k = 0; k < ready; k++) {
      if ((k & 2047) == 2047 && ringsHalfFull()) {
        drainInto(spill);
        spills++;
      }
      int i = current.indexAt(k);
      long t = current.time(i);
      if (t < lastProcessedTime) {
        lateEvents++;
      } else {
        lastProcessedTime = t;
      }
      pairing.process(current, i);
      if ((k & 4095) == 4095) {
        sink.endBatch();
        sink.beginBatch();
      }
    }
    sink.endBatch();
    next.clear();
    current.carryOver(ready, next);
    spill.moveAllTo(next);
    EventBatch swap = current;
    current = next;
    next = swap;
  }

  private boolean ringsHalfFull() {
    for (PerfRing ring : rings) {
      if (ring.pending() > ring.dataSize() / 2) {
        return true;
      }
    }
    return false;
  }

  private long readTargetLong(long address, long fallback) {
    try (Memory word = new Memory(8)) {
      return perf.readProcessMemory(pid, address, word, 8) == 8 ? word.getLong(0) : fallback;
    } catch (LastErrorException e) {
      return fallback;
    }
  }

  /**
   * A thread's exit has been processed: its side-band events are closed. Its uprobe events stay
   * open until the source closes: closing the uprobe events of an exited thread while other
   * threads' events on the same probes stay open made those stop delivering samples a little later
   * on Linux 6.18 (measured, reproduced in C; closing them while the thread lives is fine).
   */
  private void threadExited(int tid) {
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

  @Override
  public void threadCreated(int tid, long timeNanos) {
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

  @Override
  public void moduleMapped(
      long start,
      long length,
      long fileOffset,
      long devMajor,
      long devMinor,
      long inode,
      String path) {
    mappings.moduleMapped(start, length, fileOffset, devMajor, devMinor, inode, path);
  }

  /**
   * Probes a libc mapped after attach (dlopen, or a launched command that maps another libc) in
   * every thread. It counts as probed when its events were opened on at least one thread; each
   * thread it could not be probed in counts as a failure (the reason is kept).
   */
  private boolean probeLateLibc(ProcMapsEntry mapping, LibcImage image, int from) {
    addAttrs(from);
    decoder.siteDumpsStack(sites.dumpsStack());
    pairing.siteKinds(sites.kinds());
    List<ThreadEvents> all;
    synchronized (threads) {
      all = new ArrayList<>(threads.values());
    }
    // open for every thread first, then enable phase by phase across them all: a block that one
    // thread allocates through this libc and another frees must not fall into a gap between them
    List<ThreadEvents> owners = new ArrayList<>();
    List<ThreadEvents> opened = new ArrayList<>();
    for (ThreadEvents events : all) {
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
        mappings.failed(
            "cannot probe "
                + mapping.path()
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
        mappings.failed(
            "cannot enable the probes of "
                + mapping.path()
                + ": "
                + LinuxC.strerror(e.getErrorCode()));
      }
    }
    for (int i = 0; i < opened.size(); i++) {
      owners.get(i).addAll(opened.get(i));
    }
    return !opened.isEmpty();
  }

  /**
   * A barrier: waits (at most a few reader periods) until every record the kernel wrote before this
   * call has been decoded, paired and delivered to the sink, so that a periodic snapshot taken next
   * sees what the target did until now and not only what an earlier drain had taken. Returns at
   * once when tracing has not started, is closed or the target exited.
   */
  @Override
  public void catchUp() {
    long now = System.nanoTime();
    long deadline =
        now + 4 * (options.pollMillis() * 1_000_000L + options.reorderNanos()) + 50_000_000L;
    while (started
        && !closed
        && !targetExited
        && processedUpTo < now
        && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(1_000_000L);
    }
  }

  @Override
  public Map<String, Long> counters() {
    Map<String, Long> c = new LinkedHashMap<>();
    RecordDecoder d = decoder;
    AllocationPairing p = pairing;
    c.put("probeSites", (long) sites.size());
    c.put("cpus", (long) cpus.length);
    c.put("eventsOpen", eventsOpen);
    c.put("exitedThreadEventsKept", exitedThreadEvents);
    c.put("threadsAttached", threadsAttached);
    c.put("threadsAttachedAfterStart", threadsAttachedAfterStart);
    c.put("threadAttachMicrosMax", threadAttachMicrosMax);
    c.put("threadAttachMicrosTotal", threadAttachMicrosTotal);
    c.put("threadAttachDelayMaxMicros", threadAttachDelayMaxMicros);
    c.put("threadsGoneBeforeAttach", threadsGoneBeforeAttach);
    c.put("threadsMissed", threadsMissed);
    c.put("threadAttachFailures", threadAttachFailures);
    c.put("libcsProbedLate", mappings.libcsProbedLate);
    c.put("lateProbeFailures", mappings.lateProbeFailures);
    c.put("lateLibcMappingsOfProbedFiles", mappings.lateLibcMappingsOfProbedFiles);
    c.put("lateLibcsAliased", mappings.lateLibcsAliased);
    c.put("drains", drains);
    c.put("warmupMillis", warmupMillis);
    c.put("spills", spills);
    c.put("lateEvents", lateEvents);
    if (d != null) {
      c.put("samples", d.samples());
      c.put("lostRecords", d.lostRecords());
      c.put("unknownRecords", d.unknownRecords());
      c.put("samplesWithoutRegisters", d.samplesWithoutRegisters());
      c.put("truncatedRecords", d.truncatedRecords());
    }
    if (p != null) {
      c.put("lostEvents", p.lostEvents());
      c.put("allocations", p.allocations());
      c.put("frees", p.frees());
      c.put("reallocs", p.reallocs());
      c.put("failedCalls", p.failedCalls());
      c.put("nestedCalls", p.nestedCalls());
      c.put("unpairedReturns", p.unpairedReturns());
      c.put("staleEntries", p.staleEntries());
      c.put("pendingOverflows", p.pendingOverflows());
      c.put("posixMemalignExact", p.posixMemalignExact());
      c.put("posixMemalignConfirmed", p.posixMemalignConfirmed());
      c.put("posixMemalignInexact", p.posixMemalignInexact());
      c.put("posixMemalignUnresolved", p.posixMemalignUnresolved());
    }
    return c;
  }

  /**
   * A thread attached after the start may have allocated or freed before its events were open;
   * failures leave threads or libcs untraced; events behind the reorder window may be applied out
   * of order.
   */
  @Override
  public List<String> inexactWhenNonZero() {
    return List.of(
        "threadsAttachedAfterStart",
        "threadsMissed",
        "threadAttachFailures",
        "lateProbeFailures",
        "lateEvents",
        "posixMemalignUnresolved");
  }

  @Override
  public String design() {
    return "per-thread fallback";
  }

  /** The last problem met while attaching a new thread or libc, or "". */
  String lastThreadError() {
    String late = mappings.lastError();
    return late.isEmpty() ? lastThreadError : late;
  }

  /** Whether the target's exit was seen and reported. */
  boolean targetExited() {
    return targetExited;
  }

  // ------------------------------------------------------------------ closing

  /**
   * Stops the reader, which applies what the rings still hold before it ends. The probes stay in
   * place until {@link #close} (destroying them takes seconds): events meanwhile are not read.
   */
  @Override
  public void stop() {
    stopRequested = true;
    Thread t = consumer;
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    stop();
    long closeBegin = System.nanoTime();
    List<ThreadEvents> all;
    synchronized (threads) {
      all = new ArrayList<>(threads.values());
      all.addAll(exitedThreads);
      threads.clear();
      exitedThreads.clear();
    }
    closeInParallel(all);
    for (PerfRing ring : rings) {
      if (ring != null) {
        ring.close();
      }
    }
    for (int fd : ringFds) {
      if (fd >= 0) {
        closeQuietly(fd);
      }
    }
    ringFds = new int[0];
    if (pidfd >= 0) {
      closeQuietly(pidfd);
      pidfd = -1;
    }
    sites.close();
    closeMillis = (System.nanoTime() - closeBegin) / 1_000_000;
    if (launched != null && !started && launched.isAlive()) {
      launched.destroyForcibly();
      try {
        LinuxC.kill(pid, LinuxC.SIGCONT);
      } catch (LastErrorException e) {
        // already gone
      }
      try {
        launched.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Closes the events of all threads. The kernel destroys each uprobe PMU event under a global
   * mutex and waits for an RCU grace period (about 0.1 s each on the machine measured); a few
   * closing threads overlap the waits.
   */
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
    int workers = Math.min(8, Math.max(1, fds.size() / 4));
    Thread[] closers = new Thread[workers];
    for (int w = 0; w < workers; w++) {
      int first = w;
      closers[w] =
          new Thread(
              () -> {
                for (int i = first; i < fds.size(); i += workers) {
                  closeQuietly(fds.get(i));
                }
              },
              "leakdetector-uprobes-close-" + w);
      closers[w].start();
    }
    for (Thread t : closers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** How long the last {@link #close()} took to release every event, in milliseconds. */
  long closeMillis() {
    return closeMillis;
  }

  private static void closeQuietly(int fd) {
    try {
      LinuxC.close(fd);
    } catch (LastErrorException e) {
      // nothing to do
    }
  }
}
