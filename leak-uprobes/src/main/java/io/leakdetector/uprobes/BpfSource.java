package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.bpf.Bpf;
import io.leakdetector.uprobes.event.AllocationPairing;
import io.leakdetector.uprobes.event.BpfRecordDecoder;
import io.leakdetector.uprobes.event.EventBatch;
import io.leakdetector.uprobes.event.RecordDecoder;
import io.leakdetector.uprobes.event.ThreadNames;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.linux.UprobePmu;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The Linux source's main design: per probe site one uprobe event for the whole process with a BPF
 * program that writes each hit into one BPF ring buffer ({@link BpfProbes}), read in reservation
 * order, which is a total order across CPUs: a block's allocation is always read before its free,
 * whichever threads and CPUs they ran on. Threads need no attaching, so every thread is traced from
 * its first instruction and neither the cost per hit nor attach and detach depend on how many
 * threads or CPUs there are. New executable mappings come from {@link MappingEvents}.
 *
 * <p>It may trace the process it runs in ({@link #attachSelf}): the programs then drop the events
 * of the threads registered with {@link #excludeCurrentThread()} (its own reader thread is, from
 * its first instruction) and count them as {@code excludedEvents}.
 */
final class BpfSource implements HeapEventSource, RecordDecoder.Sideband {
  /** Records decoded and applied at a time (the sink's lock is taken once per chunk). */
  private static final int CHUNK = 4096;

  private final CpuArch arch;
  private final SourceOptions options;
  private final TargetProcess target;
  private final int pid;
  private final Process launched;
  private final boolean self;
  private final PerfEvents perf;
  private final SiteTable sites = new SiteTable();
  private final LibcProbePlanner planner;
  private final MappingWatch mappings;
  private BpfProbes probes;
  private MappingEvents mappingEvents;
  private int pidfd = -1;

  private HeapEventSink sink;
  private StreamListener listener;
  private BpfRecordDecoder decoder;
  private UnwindingStacks unwinding;
  private AllocationPairing pairing;
  private final EventBatch batch = new EventBatch(CHUNK);
  private Thread consumer;
  private volatile boolean stopRequested;

  /** Set when the reader outlived its join at close: it returns after the chunk at hand. */
  private volatile boolean abandoned;

  private volatile boolean started;
  private volatile boolean closed;
  private volatile boolean targetExited;
  private volatile long processedUpTo = Long.MIN_VALUE;
  private long lostSeen;
  private volatile long drains;
  private volatile long attachMillis;
  private volatile long closeMillis;
  private volatile boolean execProbed;

  private BpfSource(
      CpuArch arch, SourceOptions options, TargetProcess target, Process launched, boolean self) {
    this.arch = arch;
    this.self = self;
    this.options = options;
    this.target = target;
    this.pid = (int) target.pid();
    this.launched = launched;
    this.perf = new PerfEvents(arch);
    this.planner =
        new LibcProbePlanner(options.placeAfterPrologue() && arch.placesProbesAfterPrologue());
    this.mappings = new MappingWatch(pid, arch, perf, planner, sites);
  }

  /** Attaches to a running process: every probe is placed; {@link #start} arms them at once. */
  static BpfSource attach(CpuArch arch, UprobePmu pmu, SourceOptions options, long pid)
      throws LeakDetectorException {
    TargetAttach.checkPid(pid);
    return attach(arch, pmu, options, pid, false);
  }

  /**
   * Attaches to the process this source runs in, which is never stopped: as {@link #attach}, with
   * the detector's own threads excluded.
   */
  static BpfSource attachSelf(CpuArch arch, UprobePmu pmu, SourceOptions options)
      throws LeakDetectorException {
    return attach(arch, pmu, options, ProcessHandle.current().pid(), true);
  }

  private static BpfSource attach(
      CpuArch arch, UprobePmu pmu, SourceOptions options, long pid, boolean self)
      throws LeakDetectorException {
    BpfSource source =
        new BpfSource(arch, options, new TargetProcess(pid, ProcFs.comm(pid)), null, self);
    try {
      source.open(pmu, null, null);
      return source;
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  /**
   * Places the probes for a launcher held before its exec, and a probe at the dynamic loader's
   * entry that arms them when the command starts; {@link #start} lets the launcher run.
   */
  static BpfSource launched(CpuArch arch, UprobePmu pmu, SourceOptions options, Launcher.Held held)
      throws LeakDetectorException {
    TargetProcess target = new TargetProcess(held.process().pid(), held.name());
    BpfSource source = new BpfSource(arch, options, target, held.process(), false);
    try {
      source.open(pmu, held.libcs(), held.loader());
      return source;
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  private void open(UprobePmu pmu, List<LibcLocator.Found> launchLibcs, Launcher.Loader loader)
      throws LeakDetectorException {
    long begin = System.nanoTime();
    pidfd = TargetAttach.openPidfd(perf, pid);
    List<LibcLocator.Found> libcs = launchLibcs != null ? launchLibcs : TargetAttach.findLibcs(pid);
    TargetAttach.planAll(planner, libcs, sites, pid);
    try {
      probes = new BpfProbes(arch, pmu, options, self);
    } catch (LastErrorException e) {
      throw BpfErrors.maps(e, options);
    }
    try {
      probes.probe(sites, 0, sites.size(), pid);
      Launcher.Loader execLoader =
          loader != null
              ? loader
              : Launcher.loaderOf(
                  Path.of("/proc/" + pid + "/exe"), Path.of("/proc/" + pid + "/root"), 0);
      if (execLoader != null) {
        probes.probeExec(execLoader.path(), execLoader.entryOffset(), pid);
        execProbed = true;
      }
    } catch (Bpf.VerifierRejection e) {
      throw new LeakDetectorException(Kind.UNAVAILABLE, e.getMessage() + ".", e);
    } catch (LastErrorException e) {
      throw PerfErrors.translate(e, pid, "a uprobe");
    }
    try {
      mappingEvents = new MappingEvents(arch, ProcFs.onlineCpus(), pid, this);
    } catch (IOException e) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE, "Cannot read the online CPUs: " + e.getMessage() + ".", e);
    } catch (LastErrorException e) {
      throw PerfErrors.translate(e, pid, "the mapping events");
    }
    if (launched == null && !ProcFs.exists(pid)) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " exited while attaching.");
    }
    attachMillis = (System.nanoTime() - begin) / 1_000_000;
  }

  @Override
  public TargetProcess target() {
    return target;
  }

  @Override
  public synchronized void start(HeapEventSink eventSink, StreamListener streamListener)
      throws LeakDetectorException {
    if (closed) {
      throw new IllegalStateException("source is closed");
    }
    if (started) {
      throw new IllegalStateException("source already started");
    }
    this.sink = eventSink;
    this.listener = streamListener;
    unwinding = UnwindingStacks.starting(pid, options, launched != null);
    decoder =
        new BpfRecordDecoder(
            options.maxStack(), options.stackCopy(), options.maxStack(), unwinding);
    decoder.into(batch);
    pairing =
        new AllocationPairing(
            eventSink, (address, fallback) -> perf.readLong(pid, address, fallback), tid -> {});
    pairing.siteKinds(sites.kinds());
    if (eventSink.splitsByThread()) {
      pairing.nameThreads(new ThreadNames(eventSink, tid -> ProcFs.threadComm(pid, tid)));
    }
    mappings.start(streamListener, this::probeLateLibc);
    started = true;
    if (launched == null) {
      probes.arm();
    } else {
      try {
        LinuxC.kill(pid, LinuxC.SIGCONT);
      } catch (LastErrorException e) {
        throw PerfErrors.translate(e, pid, "starting the command");
      }
    }
    consumer = new Thread(this::run, "leakdetector-uprobes-" + pid);
    consumer.setDaemon(true);
    consumer.start();
  }

  private void run() {
    excludeCurrentThread();
    int[] mappingFds = mappingEvents.fds();
    int n = 2 + mappingFds.length;
    try (Memory pollfds = new Memory(8L * n)) {
      pollfds.setInt(0, probes.ringFd());
      pollfds.setInt(8, pidfd);
      for (int k = 0; k < mappingFds.length; k++) {
        pollfds.setInt(8L * (2 + k), mappingFds[k]);
      }
      for (int k = 0; k < n; k++) {
        pollfds.setShort(8L * k + 4, LinuxC.POLLIN);
      }
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
        boolean exited = pollfds.getShort(8L * 1 + 6) != 0;
        drainAll();
        if (exited) {
          drainAll();
          targetExited = true;
          listener.onTargetExit(Launcher.exitCode(launched));
          return;
        }
      }
      drainAll();
    } catch (Throwable t) {
      if (!closed) {
        listener.onSourceFailure("The uprobes source stopped: " + t + ".");
      }
    }
  }

  /**
   * Reads the new mappings (a late libc gets its probes first), then applies every record in the
   * ring in order, a chunk at a time.
   */
  private void drainAll() {
    long drainStart = System.nanoTime();
    // Only the records reserved before the mapping records are read: code that a record's stack
    // runs through was mapped before the record was written, so its mapping is known by then.
    long limit = probes.ring().producerPosition();
    mappingEvents.drain();
    if (options.unwind() != SourceOptions.Unwind.FP) {
      unwinding.loadNewTables();
    }
    int read;
    do {
      read = probes.ring().drain(decoder, CHUNK, limit);
      long lost = probes.lost();
      if (lost != lostSeen) {
        int i = batch.add(EventBatch.LOST, System.nanoTime(), 0, -1);
        batch.setValues(i, lost - lostSeen, 0, 0);
        lostSeen = lost;
      }
      apply();
    } while (read == CHUNK && !abandoned);
    drains++;
    if (probes.ring().caughtUp()) {
      processedUpTo = drainStart;
    }
  }

  private void apply() {
    int count = batch.count();
    if (count == 0) {
      return;
    }
    sink.beginBatch();
    for (int i = 0; i < count; i++) {
      pairing.process(batch, i);
    }
    sink.endBatch();
    batch.clear();
  }

  private boolean probeLateLibc(ProcMapsEntry mapping, LibcImage image, int from) {
    try {
      probes.probe(sites, from, sites.size(), pid);
    } catch (Bpf.VerifierRejection | RuntimeException e) {
      mappings.failed("cannot probe " + mapping.path() + ": " + reason(e));
      return false;
    }
    pairing.siteKinds(sites.kinds());
    return true;
  }

  private static String reason(Exception e) {
    if (e instanceof LastErrorException le) {
      return LinuxC.strerror(le.getErrorCode());
    }
    return e.getMessage();
  }

  /**
   * When this source traces its own process, drops the calling thread's events from now on (the
   * thread's id goes into the programs' excluded-threads map); else does nothing. A thread id the
   * kernel reuses after the thread ended stays excluded, so only threads that live as long as the
   * session should be registered.
   */
  @Override
  public void excludeCurrentThread() {
    BpfProbes p = probes;
    if (!self || p == null || closed) {
      return;
    }
    p.exclude((int) LinuxC.syscall(arch.gettid(), 0, 0, 0, 0, 0, 0));
  }

  @Override
  public void excludeThread(int tid) {
    BpfProbes p = probes;
    if (!self || p == null || closed) {
      return;
    }
    p.exclude(tid);
  }

  @Override
  public void threadCreated(int tid, long timeNanos) {
    // every thread is traced from its first instruction: nothing to do
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
    unwinding.mapped(start, start + length, fileOffset, path, inode);
  }

  /**
   * Waits (at most a few poll periods) until every record the target wrote before this call has
   * reached the sink, so a periodic snapshot taken next is up to date.
   */
  @Override
  public void catchUp() {
    long now = System.nanoTime();
    long deadline = now + 4 * options.pollMillis() * 1_000_000L + 50_000_000L;
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
    BpfProbes p = probes;
    c.put("probeSites", (long) sites.size());
    c.put("probesPlaced", p == null ? 0L : p.probesPlaced());
    c.put("uprobeMultiLinks", p == null ? 0L : p.links());
    c.put("probeEvents", p == null ? 0L : p.probeEvents());
    c.put("bpfPrograms", p == null ? 0L : p.programs());
    c.put(
        "perfEvents",
        p == null ? 0L : p.events() + (mappingEvents == null ? 0 : mappingEvents.events()));
    c.put("lostRecords", p == null ? 0L : p.lost());
    if (self) {
      c.put("excludedEvents", p == null ? 0L : p.excluded());
    }
    c.put("lostMappingRecords", mappingEvents == null ? 0L : mappingEvents.lost());
    c.put("libcsProbedLate", mappings.libcsProbedLate);
    c.put("lateProbeFailures", mappings.lateProbeFailures);
    c.put("lateLibcMappingsOfProbedFiles", mappings.lateLibcMappingsOfProbedFiles);
    c.put("lateLibcsAliased", mappings.lateLibcsAliased);
    c.put("execProbed", execProbed ? 1L : 0L);
    c.put("drains", drains);
    c.put("attachMillis", attachMillis);
    c.put("closeMillis", closeMillis);
    BpfRecordDecoder d = decoder;
    if (d != null) {
      c.put("records", d.records());
      c.put("malformedRecords", d.malformedRecords());
      c.put("stackCopyBytes", d.stackCopyBytes());
      c.put("unwindMicros", d.unwindNanos() / 1000);
      c.put("cfiTableBytes", unwinding.tableMemoryBytes());
      c.put("mapsReadOnUnknownCode", unwinding.mapsReadOnMiss());
      c.put("javaFramesFromJvm", unwinding.javaFramesKnown() ? 1L : 0L);
    }
    AllocationPairing a = pairing;
    if (a != null) {
      a.putCounters(c);
    }
    return c;
  }

  @Override
  public List<String> inexactWhenNonZero() {
    return List.of("lateProbeFailures", "lostMappingRecords", "posixMemalignUnresolved");
  }

  /** The last problem met while probing a late libc, or "". */
  String lastThreadError() {
    return mappings.lastError();
  }

  boolean targetExited() {
    return targetExited;
  }

  /** Stops the reader, which applies what the ring still holds before it ends. */
  @Override
  public void stop() {
    stopRequested = true;
    Closer.join(consumer);
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
    if (consumer != null && consumer.isAlive()) {
      // far behind a ring that fills as fast as it drains: what it has not read is dropped, and
      // the ring is unmapped only once the reader no longer touches it
      abandoned = true;
      Closer.join(consumer);
    }
    long begin = System.nanoTime();
    if (probes != null && !(consumer != null && consumer.isAlive())) {
      probes.close();
    }
    if (mappingEvents != null) {
      mappingEvents.close();
    }
    if (unwinding != null && !(consumer != null && consumer.isAlive())) {
      unwinding.close();
    }
    if (pidfd >= 0) {
      Closer.closeQuietly(pidfd);
      pidfd = -1;
    }
    sites.close();
    closeMillis = (System.nanoTime() - begin) / 1_000_000;
    if (!started) {
      Launcher.endHeld(launched);
    }
  }

  long closeMillis() {
    return closeMillis;
  }
}
