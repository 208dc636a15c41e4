package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.leakdetector.uprobes.bpf.Bpf;
import io.leakdetector.uprobes.bpf.BpfArch;
import io.leakdetector.uprobes.bpf.BpfAssembler;
import io.leakdetector.uprobes.bpf.BpfRingBuffer;
import io.leakdetector.uprobes.bpf.ProbePrograms;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.linux.UprobePmu;
import io.leakdetector.uprobes.probe.AllocatorFunction.Kind;
import io.leakdetector.uprobes.probe.ProbeSite;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel objects of the BPF design: the ring buffer, the globals ({@code armed}, {@code lost},
 * {@code excluded}), the posix_memalign map and, when the source traces its own process, the map of
 * the threads whose events are dropped, and per probe site one uprobe PMU event for the whole
 * process ({@code pid} = target, {@code cpu} = -1) with its program attached. The kernel's uprobe
 * filter compares address spaces, and the program runs before perf's per-task delivery, so it runs
 * for every thread of the target, also those created later, from their first instruction; the
 * events themselves stay disabled and never write a perf sample (the programs return 0). Nothing
 * here depends on the number of threads or CPUs.
 */
final class BpfProbes implements AutoCloseable {
  private static final int PAGE_SIZE = LinuxC.getpagesize();
  private static final int VERIFIER_LOG_BYTES = 1 << 20;

  /** The detector's own threads are a handful; the map's size only bounds a misuse. */
  private static final int MAX_EXCLUDED_THREADS = 1024;

  private final Bpf bpf;
  private final PerfEvents perf;
  private final UprobePmu pmu;
  private final ProbePrograms programs;
  private final int ringFd;
  private final int globalsFd;
  private final int memptrsFd;
  private final int excludedFd;
  // allocated with the probes, by the thread that attaches them: see Bpf#updateElement(Memory, ...)
  private final com.sun.jna.Memory exclusionScratch =
      new com.sun.jna.Memory(Bpf.UPDATE_SCRATCH_SIZE);
  private final BpfRingBuffer ring;
  private final Pointer globals;
  private final List<Integer> eventFds = new ArrayList<>();
  private final List<Integer> programFds = new ArrayList<>();
  private final List<Integer> linkFds = new ArrayList<>();
  private int[] shared;
  private volatile Boolean useLinks;
  private volatile int probesPlaced;
  private volatile int probeEvents;

  /**
   * Creates the maps and maps the ring.
   *
   * @param excludeThreads whether the programs drop the events of the threads given to {@link
   *     #exclude} (when the target is this process)
   * @throws LastErrorException when the kernel refuses (EPERM: no CAP_BPF; EINVAL: no ring buffer
   *     maps before Linux 5.8)
   */
  BpfProbes(CpuArch arch, UprobePmu pmu, SourceOptions options, boolean excludeThreads) {
    BpfArch bpfArch = BpfArch.of(arch);
    this.bpf = new Bpf(bpfArch);
    this.perf = new PerfEvents(arch);
    this.pmu = pmu;
    int ring = -1;
    int globalsMap = -1;
    int memptrs = -1;
    int excluded = ProbePrograms.NO_EXCLUDED_THREADS;
    BpfRingBuffer mapped = null;
    Pointer globalsPage = null;
    try {
      ring = bpf.createMap(Bpf.MAP_TYPE_RINGBUF, 0, 0, options.bpfRingBytes(), 0, "leak_ring");
      globalsMap =
          bpf.createMap(
              Bpf.MAP_TYPE_ARRAY, 4, ProbePrograms.GLOBALS_SIZE, 1, Bpf.F_MMAPABLE, "leak_globals");
      memptrs = bpf.createMap(Bpf.MAP_TYPE_HASH, 8, 8, 4096, 0, "leak_memptr");
      if (excludeThreads) {
        excluded = bpf.createMap(Bpf.MAP_TYPE_HASH, 4, 1, MAX_EXCLUDED_THREADS, 0, "leak_excluded");
      }
      mapped = BpfRingBuffer.map(ring, options.bpfRingBytes(), PAGE_SIZE);
      globalsPage =
          LinuxC.mmap(
              null,
              PAGE_SIZE,
              LinuxC.PROT_READ | LinuxC.PROT_WRITE,
              LinuxC.MAP_SHARED,
              globalsMap,
              0);
    } catch (LastErrorException e) {
      if (mapped != null) {
        mapped.close();
      }
      for (int fd : new int[] {ring, globalsMap, memptrs, excluded}) {
        closeQuietly(fd);
      }
      throw e;
    }
    this.ringFd = ring;
    this.globalsFd = globalsMap;
    this.memptrsFd = memptrs;
    this.excludedFd = excluded;
    this.ring = mapped;
    this.globals = globalsPage;
    this.programs =
        new ProbePrograms(
            bpfArch,
            new ProbePrograms.Maps(ring, globalsMap, memptrs, excluded),
            options.maxStack(),
            options.stackCopy(),
            options.bpfRingBytes() / 100 * options.wakeupPercent());
    this.useLinks =
        switch (options.bpfAttach()) {
          case AUTO -> null;
          case LINKS -> true;
          case EVENTS -> false;
        };
  }

  BpfRingBuffer ring() {
    return ring;
  }

  int ringFd() {
    return ringFd;
  }

  /**
   * Places the entry and return probes of {@code sites[from, to)} in process {@code pid}, returns
   * first, so an entry that is recorded always has its return recorded once the probes are armed:
   * with uprobe-multi links (Linux 6.6+: per file one link per program, four programs shared by
   * every site, each site's index in its attach cookie), else with one perf event per probe.
   *
   * @throws LastErrorException when a probe cannot be placed (those of this call are removed)
   * @throws Bpf.VerifierRejection when a program is refused
   */
  void probe(SiteTable sites, int from, int to, int pid) throws Bpf.VerifierRejection {
    if (!Boolean.FALSE.equals(useLinks)) {
      try {
        probeWithLinks(sites, from, to, pid);
        useLinks = true;
        return;
      } catch (LastErrorException e) {
        int errno = e.getErrorCode();
        if (useLinks != null || (errno != LinuxC.EINVAL && errno != LinuxC.EOPNOTSUPP)) {
          throw e;
        }
        useLinks = false; // this kernel has no uprobe-multi links: one event per probe
      } catch (Bpf.VerifierRejection e) {
        if (useLinks != null) {
          throw e;
        }
        useLinks = false; // no attach cookies for this program type here: one event per probe
      }
    }
    probeWithEvents(sites, from, to, pid);
  }

  /** The four shared programs of the link design, loaded once. */
  private int[] sharedPrograms() throws Bpf.VerifierRejection {
    if (shared == null) {
      int cookie = ProbePrograms.SITE_FROM_COOKIE;
      int[] fds = new int[4];
      BpfAssembler[] code = {
        programs.ret(cookie),
        programs.memalignReturn(cookie),
        programs.entry(cookie),
        programs.memalignEntry(cookie)
      };
      String[] names = {"ret", "memalign_ret", "entry", "memalign_entry"};
      for (int i = 0; i < 4; i++) {
        fds[i] =
            bpf.loadProgram(
                "leak_" + names[i], code[i].assemble(), VERIFIER_LOG_BYTES, Bpf.TRACE_UPROBE_MULTI);
        synchronized (programFds) {
          programFds.add(fds[i]);
        }
      }
      shared = fds;
    }
    return shared;
  }

  private void probeWithLinks(SiteTable sites, int from, int to, int pid)
      throws Bpf.VerifierRejection {
    int[] program = sharedPrograms();
    // per file, per program: the offsets and their sites
    Map<String, List<List<long[]>>> byFile = new LinkedHashMap<>();
    for (int s = from; s < to; s++) {
      ProbeSite site = sites.site(s);
      List<List<long[]>> groups =
          byFile.computeIfAbsent(
              sites.hostPath(s),
              k ->
                  List.of(
                      new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
      boolean memalign = site.kind() == Kind.POSIX_MEMALIGN;
      if (site.function().hasReturnProbe()) {
        groups.get(memalign ? 1 : 0).add(new long[] {site.probeOffset(), s});
      }
      groups.get(memalign ? 3 : 2).add(new long[] {site.probeOffset(), s});
    }
    List<Integer> created = new ArrayList<>();
    try {
      for (Map.Entry<String, List<List<long[]>>> file : byFile.entrySet()) {
        for (int g = 0; g < 4; g++) {
          List<long[]> group = file.getValue().get(g);
          if (group.isEmpty()) {
            continue;
          }
          long[] offsets = group.stream().mapToLong(o -> o[0]).toArray();
          long[] cookies = group.stream().mapToLong(o -> o[1]).toArray();
          int link =
              bpf.createUprobeMultiLink(program[g], file.getKey(), offsets, cookies, g < 2, pid);
          created.add(link);
          probesPlaced += offsets.length;
        }
      }
    } catch (LastErrorException e) {
      for (int fd : created) {
        closeQuietly(fd);
      }
      throw e;
    }
    synchronized (linkFds) {
      linkFds.addAll(created);
    }
  }

  private void probeWithEvents(SiteTable sites, int from, int to, int pid)
      throws Bpf.VerifierRejection {
    List<Integer> opened = new ArrayList<>();
    int programsBefore = programs();
    try {
      for (int s = from; s < to; s++) {
        ProbeSite site = sites.site(s);
        if (site.function().hasReturnProbe()) {
          BpfAssembler program =
              site.kind() == Kind.POSIX_MEMALIGN ? programs.memalignReturn(s) : programs.ret(s);
          opened.add(open(sites.pathAddress(s), site.probeOffset(), true, pid, "ret", program));
        }
      }
      for (int s = from; s < to; s++) {
        ProbeSite site = sites.site(s);
        BpfAssembler program =
            site.kind() == Kind.POSIX_MEMALIGN ? programs.memalignEntry(s) : programs.entry(s);
        opened.add(open(sites.pathAddress(s), site.probeOffset(), false, pid, "entry", program));
      }
    } catch (LastErrorException | Bpf.VerifierRejection e) {
      for (int fd : opened) {
        closeQuietly(fd);
      }
      synchronized (eventFds) {
        eventFds.removeAll(opened);
      }
      synchronized (programFds) {
        while (programFds.size() > programsBefore) {
          closeQuietly(programFds.remove(programFds.size() - 1));
        }
      }
      throw e;
    }
    probeEvents += opened.size();
    probesPlaced += opened.size();
  }

  /**
   * Opens a probe at the dynamic loader's entry that arms the others: in launch mode the probes
   * then start at the command's first instruction, not in the shell that execs it (the programs run
   * whenever their probe fires, enabled or not).
   */
  void probeExec(String loaderPath, long entryOffset, int pid) throws Bpf.VerifierRejection {
    if (Boolean.TRUE.equals(useLinks)) {
      int program =
          bpf.loadProgram(
              "leak_exec", programs.exec().assemble(), VERIFIER_LOG_BYTES, Bpf.TRACE_UPROBE_MULTI);
      synchronized (programFds) {
        programFds.add(program);
      }
      int link =
          bpf.createUprobeMultiLink(
              program, loaderPath, new long[] {entryOffset}, new long[] {0}, false, pid);
      synchronized (linkFds) {
        linkFds.add(link);
      }
      return;
    }
    byte[] path = (loaderPath + "\0").getBytes(StandardCharsets.UTF_8);
    try (Memory memory = new Memory(path.length)) {
      memory.write(0, path, 0, path.length);
      open(Pointer.nativeValue(memory), entryOffset, false, pid, "exec", programs.exec());
    }
  }

  private int open(
      long pathAddress, long offset, boolean returnProbe, int pid, String name, BpfAssembler code)
      throws Bpf.VerifierRejection {
    int program = bpf.loadProgram("leak_" + name, code.assemble(), VERIFIER_LOG_BYTES);
    synchronized (programFds) {
      programFds.add(program);
    }
    PerfEventAttr attr =
        new PerfEventAttr()
            .type(pmu.type())
            .config(pmu.config(returnProbe))
            .config1(pathAddress)
            .config2(offset)
            .samplePeriod(1)
            .flag(PerfAbi.BIT_DISABLED, true);
    int fd = perf.open(attr, pid, -1, -1);
    try {
      LinuxC.ioctl(fd, PerfAbi.IOC_SET_BPF, program);
    } catch (LastErrorException e) {
      closeQuietly(fd);
      throw e;
    }
    synchronized (eventFds) {
      eventFds.add(fd);
    }
    return fd;
  }

  /** Turns every program on at once. */
  void arm() {
    globals.setInt(ProbePrograms.GLOBAL_ARMED, 1);
  }

  boolean armed() {
    return globals.getInt(ProbePrograms.GLOBAL_ARMED) != 0;
  }

  /**
   * Drops the events of thread {@code tid} from now on (only when made with {@code
   * excludeThreads}).
   *
   * @throws LastErrorException when the kernel refuses (E2BIG: the map is full)
   */
  synchronized void exclude(int tid) {
    if (excludedFd == ProbePrograms.NO_EXCLUDED_THREADS) {
      throw new IllegalStateException("these probes exclude no threads");
    }
    bpf.updateElement(exclusionScratch, excludedFd, tid, (byte) 1);
  }

  /** Events of excluded threads the programs dropped. */
  synchronized long excluded() {
    return globalsUnmapped ? excludedAtClose : globals.getLong(ProbePrograms.GLOBAL_EXCLUDED);
  }

  /** Records the programs could not reserve because the ring was full. */
  synchronized long lost() {
    return globalsUnmapped ? lostAtClose : globals.getLong(ProbePrograms.GLOBAL_LOST);
  }

  // the counters as the probes closed: a report after close reads these, not unmapped memory
  private boolean globalsUnmapped;
  private long excludedAtClose;
  private long lostAtClose;

  /** Probes placed, by links or events: two per site with a return probe, one per other site. */
  int probesPlaced() {
    return probesPlaced;
  }

  /** Whether the probes are placed with uprobe-multi links (else one perf event per probe). */
  boolean usesLinks() {
    return Boolean.TRUE.equals(useLinks);
  }

  int links() {
    synchronized (linkFds) {
      return linkFds.size();
    }
  }

  /** Uprobe events open in the one-event-per-probe mode. */
  int probeEvents() {
    return probeEvents;
  }

  int programs() {
    synchronized (programFds) {
      return programFds.size();
    }
  }

  /** Perf events open: the probes and the launch-mode arming probe. */
  int events() {
    synchronized (eventFds) {
      return eventFds.size();
    }
  }

  /**
   * Closes the events (the kernel removes each uprobe, about 0.1 s apiece, so a few threads overlap
   * the waits), then the programs and maps.
   */
  @Override
  public void close() {
    List<Integer> events;
    synchronized (eventFds) {
      events = new ArrayList<>(eventFds);
      eventFds.clear();
    }
    synchronized (linkFds) {
      // a link removes all its probes at once, after one grace period
      events.addAll(linkFds);
      linkFds.clear();
    }
    Closer.closeInParallel(events);
    synchronized (programFds) {
      for (int fd : programFds) {
        closeQuietly(fd);
      }
      programFds.clear();
    }
    ring.close();
    if (globals != null) {
      synchronized (this) {
        if (!globalsUnmapped) {
          excludedAtClose = globals.getLong(ProbePrograms.GLOBAL_EXCLUDED);
          lostAtClose = globals.getLong(ProbePrograms.GLOBAL_LOST);
          globalsUnmapped = true;
          LinuxC.munmap(globals, PAGE_SIZE);
        }
      }
    }
    closeQuietly(ringFd);
    closeQuietly(globalsFd);
    closeQuietly(memptrsFd);
    closeQuietly(excludedFd);
  }

  static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      LinuxC.close(fd);
    } catch (LastErrorException e) {
      // already closed
    }
  }
}
