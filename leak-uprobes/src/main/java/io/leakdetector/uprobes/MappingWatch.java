package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.probe.FileId;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import io.leakdetector.uprobes.probe.ProbeSite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Follows the target's new executable mappings: tells the stream listener of each (once), and
 * decides whether one is a libc that needs probes — not when its file (device, inode) is probed
 * already, nor when its code already holds our breakpoints (the same real file through another
 * filesystem, e.g. an overlay: a second set of probes would report every call twice).
 */
final class MappingWatch {
  private static final String DELETED = " (deleted)";

  /** Opens the probes of a late libc's sites; says whether any were opened. */
  @FunctionalInterface
  interface Prober {
    boolean probe(ProcMapsEntry mapping, LibcImage image, int firstSite);
  }

  private final int pid;
  private final CpuArch arch;
  private final PerfEvents perf;
  private final LibcProbePlanner planner;
  private final SiteTable sites;
  private final Set<String> mappingsSeen = new HashSet<>();
  private final Set<FileId> filesExamined = new HashSet<>();
  private final Set<FileId> filesNotProbed = new HashSet<>();
  private StreamListener modules = StreamListener.NONE;
  private Prober prober;

  volatile long libcsProbedLate;
  volatile long lateProbeFailures;
  volatile long lateLibcMappingsOfProbedFiles;
  volatile long lateLibcsAliased;
  private volatile String lastError = "";

  MappingWatch(int pid, CpuArch arch, PerfEvents perf, LibcProbePlanner planner, SiteTable sites) {
    this.pid = pid;
    this.arch = arch;
    this.perf = perf;
    this.planner = planner;
    this.sites = sites;
  }

  void start(StreamListener listener, Prober libcProber) {
    this.modules = listener == null ? StreamListener.NONE : listener;
    this.prober = libcProber;
  }

  /** Records a failure to probe a late libc: the reason first, then the count. */
  void failed(String reason) {
    lastError = reason;
    lateProbeFailures++;
  }

  String lastError() {
    return lastError;
  }

  void moduleMapped(
      long start,
      long length,
      long fileOffset,
      long devMajor,
      long devMinor,
      long inode,
      String path) {
    FileId file = new FileId(devMajor, devMinor, inode);
    if (!mappingsSeen.add(start + ":" + length + ":" + fileOffset + ":" + file + ":" + path)) {
      return; // the same record from two side-band events
    }
    modules.onModuleMapped(new ModuleMapping(start, start + length, fileOffset, path));
    if (!file.known() || prober == null) {
      return;
    }
    if (sites.hasFile(file) && !filesNotProbed.contains(file)) {
      // the file is probed already (uprobes belong to a file): the kernel put the breakpoints
      // into this mapping when it was made
      lateLibcMappingsOfProbedFiles++;
      return;
    }
    if (!filesExamined.add(file)) {
      return;
    }
    boolean deleted = path.endsWith(DELETED);
    ProcMapsEntry mapping =
        new ProcMapsEntry(
            start,
            start + length,
            "r-xp",
            fileOffset,
            (int) devMajor,
            (int) devMinor,
            inode,
            deleted ? path.substring(0, path.length() - DELETED.length()) : path,
            deleted);
    Path host = LibcLocator.hostPath(pid, mapping);
    if (LibcLocator.isLibcName(path) || LibcLocator.hasLibcSoname(host)) {
      probeLateLibc(mapping, host);
    }
  }

  private void probeLateLibc(ProcMapsEntry mapping, Path host) {
    LibcImage image;
    try {
      image = planner.plan(mapping.path(), host, FileId.of(mapping));
    } catch (IOException | RuntimeException e) {
      failed("cannot probe " + mapping.path() + ": " + e.getMessage());
      return;
    }
    if (image.sites().isEmpty()) {
      return;
    }
    if (holdsOurBreakpoints(mapping, image)) {
      lateLibcsAliased++;
      return;
    }
    int from = sites.add(image);
    if (prober.probe(mapping, image, from)) {
      libcsProbedLate++;
    } else {
      filesNotProbed.add(FileId.of(mapping));
      sites.retire(from);
    }
  }

  /**
   * Whether every probe site of {@code image} inside {@code mapping} already holds a uprobe
   * breakpoint in the target's memory. The kernel writes the breakpoints of a probed file into each
   * new mapping of it during the mmap call, and {@code process_vm_readv} waits for that call to
   * finish, so the bytes read are the final ones.
   */
  private boolean holdsOurBreakpoints(ProcMapsEntry mapping, LibcImage image) {
    byte[] breakpoint = arch.uprobeBreakpoint();
    int checked = 0;
    try (Memory bytes = new Memory(breakpoint.length)) {
      for (ProbeSite site : image.sites()) {
        long address = mapping.start() + (site.probeOffset() - mapping.fileOffset());
        if (address < mapping.start() || address + breakpoint.length > mapping.end()) {
          continue;
        }
        try {
          if (perf.readProcessMemory(pid, address, bytes, breakpoint.length) != breakpoint.length) {
            return false;
          }
        } catch (LastErrorException e) {
          return false;
        }
        for (int i = 0; i < breakpoint.length; i++) {
          if (bytes.getByte(i) != breakpoint[i]) {
            return false;
          }
        }
        checked++;
      }
    }
    return checked > 0;
  }
}
