package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.event.AllocationPairing;
import io.leakdetector.uprobes.event.EventTable;
import io.leakdetector.uprobes.event.RecordDecoder;
import io.leakdetector.uprobes.event.ReturnStacks;
import io.leakdetector.uprobes.event.ThreadNames;
import io.leakdetector.uprobes.event.Warmup;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.linux.PerfRing;
import io.leakdetector.uprobes.linux.UprobePmu;
import io.leakdetector.uprobes.probe.AllocatorFunction;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A live stream of one process's heap events from uprobes on its libc's allocator, read through
 * perf ring buffers (one per CPU) and applied in time order. See the module README for the design
 * and the kernel facts it rests on.
 */
final class PerThreadSource implements HeapEventSource, RecordDecoder.Sideband {
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
  private final LibcProbePlanner planner;
  private int pidfd = -1;
  private int[] cpus = new int[0];
  private int[] ringFds = new int[0];
  private PerfRing[] rings = new PerfRing[0];

  private final MappingWatch mappings;
  private RecordDecoder decoder;
  private ReturnStacks returnStacks = ReturnStacks.CALLCHAIN;
  private UnwindingStacks unwinding;
  private AllocationPairing pairing;
  private ThreadProbes probes;
  private PerCpuReader reader;
  private Thread consumer;
  private volatile boolean started;
  private volatile boolean closed;

  private volatile long closeMillis;
  private volatile long warmupMillis;
  private Thread warmup;

  private PerThreadSource(
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
  static PerThreadSource attach(
      CpuArch arch, UprobePmu pmu, SourceOptions options, boolean kernelFrames, long pid)
      throws LeakDetectorException {
    TargetAttach.checkPid(pid);
    TargetProcess target = new TargetProcess(pid, ProcFs.comm(pid));
    PerThreadSource source = new PerThreadSource(arch, pmu, options, kernelFrames, target, null);
    try {
      source.open(null);
      return source;
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  /** Opens the events on a launcher held stopped before its exec; {@link #start} lets it run. */
  static PerThreadSource launched(
      CpuArch arch,
      UprobePmu pmu,
      SourceOptions options,
      boolean kernelFrames,
      Process process,
      String name,
      List<LibcLocator.Found> libcs)
      throws LeakDetectorException {
    TargetProcess target = new TargetProcess(process.pid(), name);
    PerThreadSource source = new PerThreadSource(arch, pmu, options, kernelFrames, target, process);
    try {
      source.open(libcs);
      return source;
    } catch (LeakDetectorException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  private void open(List<LibcLocator.Found> launchLibcs) throws LeakDetectorException {
    attrs.checkSampleSizes();
    // compile the reader's hot code while the kernel registers the probes (see Warmup); with the
    // callchain as stacks: the unwinder is not fed made-up registers
    warmup =
        new Thread(
            () -> {
              long begin = System.nanoTime();
              Warmup.run(
                  PerCpuReader.layout(arch, attrs.unwinds()),
                  largestStackDump(),
                  ReturnStacks.CALLCHAIN,
                  100);
              warmupMillis = (System.nanoTime() - begin) / 1_000_000;
            },
            "leakdetector-uprobes-warmup");
    warmup.setDaemon(true);
    warmup.start();
    pidfd = TargetAttach.openPidfd(perf, pid);
    List<LibcLocator.Found> libcs = launchLibcs != null ? launchLibcs : TargetAttach.findLibcs(pid);
    TargetAttach.planAll(planner, libcs, sites, pid);
    try {
      cpus = ProcFs.onlineCpus();
    } catch (IOException | RuntimeException e) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE, "Cannot read the online CPUs: " + e.getMessage() + ".", e);
    }
    openRings();
    probes = new ThreadProbes(perf, attrs, sites, table, cpus, ringFds);
    probes.addAttrs(0, launched != null);
    List<Integer> tids = ProcFs.threads(pid);
    if (tids.isEmpty()) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " exited while attaching.");
    }
    boolean beforeExec = launched != null;
    for (int round = 0; round < 10 && !tids.isEmpty(); round++) {
      for (int tid : tids) {
        if (probes.has(tid)) {
          continue;
        }
        try {
          probes.attachThread(tid, true, beforeExec, false);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == LinuxC.ESRCH && tid != pid) {
            probes.threadsGoneBeforeAttach++;
            continue; // that thread ended meanwhile
          }
          throw PerfErrors.translate(e, pid, "a uprobe");
        }
      }
      // threads created while we opened events of their creator: take them too
      tids = new ArrayList<>(ProcFs.threads(pid));
      tids.removeIf(probes::has);
    }
    if (!probes.has(pid) || !ProcFs.exists(pid)) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "Process " + pid + " exited while attaching.");
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

  // ------------------------------------------------------------------ running

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
    mappings.start(streamListener, this::probeLateLibc);
    try {
      warmup.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (attrs.unwinds() && returnStacks == ReturnStacks.CALLCHAIN) {
      unwinding = UnwindingStacks.starting(pid, options, launched != null);
      returnStacks = unwinding;
    }
    RecordDecoder.Layout layout = PerCpuReader.layout(arch, attrs.unwinds());
    decoder =
        new RecordDecoder(
            pid,
            table,
            layout,
            options.maxStack(),
            largestStackDump(),
            options.memalignDumpBytes(),
            returnStacks,
            this);
    decoder.siteDumpsStack(sites.dumpsStack());
    pairing =
        new AllocationPairing(
            eventSink,
            (address, fallback) -> perf.readLong(pid, address, fallback),
            probes::threadExited);
    pairing.siteKinds(sites.kinds());
    if (eventSink.splitsByThread()) {
      pairing.nameThreads(new ThreadNames(eventSink, tid -> ProcFs.threadComm(pid, tid)));
    }
    reader =
        new PerCpuReader(
            rings, ringFds, pidfd, options, decoder, pairing, eventSink, streamListener, launched);
    started = true;
    try {
      if (launched == null) {
        probes.enable(probes.all());
      } else {
        LinuxC.kill(pid, LinuxC.SIGCONT);
      }
    } catch (LastErrorException e) {
      throw PerfErrors.translate(e, pid, "enabling the probes");
    }
    consumer = new Thread(reader, "leakdetector-uprobes-" + pid);
    consumer.setDaemon(true);
    consumer.start();
  }

  /** The largest user stack dump a return sample carries. */
  private int largestStackDump() {
    return attrs.stackDump(AllocatorFunction.Kind.POSIX_MEMALIGN);
  }

  /**
   * Makes each allocation's stack from its return sample's registers, stack copy and callchain
   * (when {@link SourceOptions#stackCopy()} is above 0), instead of the callchain as it is. Takes
   * effect at {@link #start}.
   */
  synchronized void returnStacks(ReturnStacks stacks) {
    this.returnStacks = stacks;
  }

  @Override
  public void threadCreated(int tid, long timeNanos) {
    if (!closed) {
      probes.threadCreated(tid, timeNanos);
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
    UnwindingStacks stacks = unwinding;
    if (stacks != null) {
      // Mapping records come in the same rings as the samples, per CPU: a sample read from one
      // CPU's ring before the record of a mapping made on another CPU just before it finds no
      // module there and ends its stack with a marker (the BPF design reads mappings first).
      stacks.mapped(start, start + length, fileOffset, path, inode);
      stacks.loadNewTables();
    }
  }

  /**
   * Probes a libc mapped after attach (dlopen, or a launched command that maps another libc) in
   * every thread. It counts as probed when its events were opened on at least one thread; each
   * thread it could not be probed in counts as a failure (the reason is kept).
   */
  private boolean probeLateLibc(ProcMapsEntry mapping, LibcImage image, int from) {
    probes.addAttrs(from, false);
    decoder.siteDumpsStack(sites.dumpsStack());
    pairing.siteKinds(sites.kinds());
    return probes.openOnEveryThread(from, mapping.path(), mappings::failed);
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
    PerCpuReader r = reader;
    while (r != null
        && !closed
        && !r.ended()
        && r.processedUpTo() < now
        && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(1_000_000L);
    }
  }

  @Override
  public Map<String, Long> counters() {
    Map<String, Long> c = new LinkedHashMap<>();
    RecordDecoder d = decoder;
    AllocationPairing p = pairing;
    ThreadProbes t = probes;
    c.put("probeSites", (long) sites.size());
    c.put("cpus", (long) cpus.length);
    c.put("eventsOpen", t == null ? 0L : t.eventsOpen);
    c.put("exitedThreadEventsKept", t == null ? 0L : t.exitedThreadEvents);
    c.put("threadsAttached", t == null ? 0L : t.threadsAttached);
    c.put("threadsAttachedAfterStart", t == null ? 0L : t.threadsAttachedAfterStart);
    c.put("threadAttachMicrosMax", t == null ? 0L : t.threadAttachMicrosMax);
    c.put("threadAttachMicrosTotal", t == null ? 0L : t.threadAttachMicrosTotal);
    c.put("threadAttachDelayMaxMicros", t == null ? 0L : t.threadAttachDelayMaxMicros);
    c.put("threadsGoneBeforeAttach", t == null ? 0L : t.threadsGoneBeforeAttach);
    c.put("threadsMissed", t == null ? 0L : t.threadsMissed);
    c.put("threadAttachFailures", t == null ? 0L : t.threadAttachFailures);
    c.put("libcsProbedLate", mappings.libcsProbedLate);
    c.put("lateProbeFailures", mappings.lateProbeFailures);
    c.put("lateLibcMappingsOfProbedFiles", mappings.lateLibcMappingsOfProbedFiles);
    c.put("lateLibcsAliased", mappings.lateLibcsAliased);
    PerCpuReader r = reader;
    c.put("drains", r == null ? 0L : r.drains());
    c.put("warmupMillis", warmupMillis);
    c.put("spills", r == null ? 0L : r.spills());
    c.put("lateEvents", r == null ? 0L : r.lateEvents());
    if (d != null) {
      c.put("samples", d.samples());
      c.put("lostRecords", d.lostRecords());
      c.put("unknownRecords", d.unknownRecords());
      c.put("samplesWithoutRegisters", d.samplesWithoutRegisters());
      c.put("truncatedRecords", d.truncatedRecords());
      c.put("stackCopyBytes", d.stackCopyBytes());
      c.put("unwindMicros", d.unwindNanos() / 1000);
    }
    if (p != null) {
      p.putCounters(c);
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
    return late.isEmpty() && probes != null ? probes.lastThreadError() : late;
  }

  /** Whether the target's exit was seen and reported. */
  boolean targetExited() {
    PerCpuReader r = reader;
    return r != null && r.targetExited();
  }

  // ------------------------------------------------------------------ closing

  /**
   * Stops the reader, which applies what the rings still hold before it ends. The probes stay in
   * place until {@link #close} (destroying them takes seconds): events meanwhile are not read.
   */
  @Override
  public void stop() {
    PerCpuReader r = reader;
    if (r != null) {
      r.requestStop();
    }
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
    long closeBegin = System.nanoTime();
    if (probes != null) {
      probes.closeAll();
    }
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
    if (unwinding != null) {
      unwinding.close();
    }
    if (pidfd >= 0) {
      closeQuietly(pidfd);
      pidfd = -1;
    }
    sites.close();
    closeMillis = (System.nanoTime() - closeBegin) / 1_000_000;
    if (!started) {
      Launcher.endHeld(launched);
    }
  }

  /** How long the last {@link #close()} took to release every event, in milliseconds. */
  long closeMillis() {
    return closeMillis;
  }

  private static void closeQuietly(int fd) {
    Closer.closeQuietly(fd);
  }
}
