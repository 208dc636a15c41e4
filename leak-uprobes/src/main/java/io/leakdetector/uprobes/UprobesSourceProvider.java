package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.linux.UprobePmu;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.LibcLocator;
import io.leakdetector.uprobes.probe.LibcProbePlanner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Linux heap event source {@code uprobes}: uprobes on the target's libc allocator through the
 * kernel's uprobe PMU, read with perf_event_open. Available on Linux x86-64 and aarch64 when this
 * process may open uprobe events (root or {@code CAP_PERFMON}).
 */
public final class UprobesSourceProvider implements HeapEventSourceProvider {
  private static final long CAP_SYS_ADMIN = 1L << 21;
  private static final long CAP_PERFMON = 1L << 38;
  private static final long CAP_BPF = 1L << 39;

  @Override
  public String name() {
    return "uprobes";
  }

  @Override
  public Availability availability() {
    if (!System.getProperty("os.name", "").equals("Linux")) {
      return Availability.unavailable("The uprobes source needs Linux.");
    }
    Optional<CpuArch> arch = CpuArch.current();
    if (arch.isEmpty()) {
      return Availability.unavailable(
          "The uprobes source supports x86-64 and aarch64, not "
              + System.getProperty("os.arch")
              + ".");
    }
    if (!Files.isRegularFile(UprobePmu.DEVICE.resolve("type"))) {
      return Availability.unavailable(
          "This kernel has no uprobe PMU ("
              + UprobePmu.DEVICE
              + " is missing; CONFIG_UPROBE_EVENTS).");
    }
    long caps = ProcFs.effectiveCapabilities();
    if ((caps & (CAP_SYS_ADMIN | CAP_PERFMON)) == 0) {
      return Availability.unavailable(
          "Not permitted to trace: " + PerfErrors.permissionHint() + "; run as root.");
    }
    Availability uprobes = probeSelf(arch.get());
    if (!uprobes.available()) {
      return uprobes;
    }
    String bpf = bpfRefusal(arch.get());
    return new Availability(
        true,
        bpf.isEmpty()
            ? "BPF design: probes for the whole process, every thread from its first instruction"
            : "per-thread fallback (" + bpf + "): threads created after attach are traced late");
  }

  /**
   * Why BPF cannot be used here ("" when it can): creates a one-page ring buffer map and loads a
   * two-instruction program of the kprobe type, then closes both.
   */
  static String bpfRefusal(CpuArch arch) {
    io.leakdetector.uprobes.bpf.Bpf bpf =
        new io.leakdetector.uprobes.bpf.Bpf(io.leakdetector.uprobes.bpf.BpfArch.of(arch));
    int map = -1;
    int program = -1;
    try {
      map =
          bpf.createMap(
              io.leakdetector.uprobes.bpf.Bpf.MAP_TYPE_RINGBUF,
              0,
              0,
              LinuxC.getpagesize(),
              0,
              "leak_check");
      program =
          bpf.loadProgram(
              "leak_check",
              new io.leakdetector.uprobes.bpf.BpfAssembler().movImm(0, 0).exit().assemble(),
              4096);
      return "";
    } catch (LastErrorException e) {
      int errno = e.getErrorCode();
      if (errno == LinuxC.EPERM || errno == LinuxC.EACCES) {
        long caps = ProcFs.effectiveCapabilities();
        if ((caps & (CAP_BPF | CAP_SYS_ADMIN)) == 0) {
          return "BPF not permitted: " + BpfErrors.NEEDS + "; CAP_BPF is missing";
        }
        return "BPF not permitted although CAP_BPF is held: a seccomp filter (as in containers),"
            + " a security module or kernel lockdown refuses the bpf system call";
      }
      if (errno == LinuxC.EINVAL) {
        return "this kernel has no BPF ring buffer; Linux 5.8 or later is needed";
      }
      return "BPF refused: " + LinuxC.strerror(errno);
    } catch (io.leakdetector.uprobes.bpf.Bpf.VerifierRejection e) {
      return e.getMessage();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return "BPF unusable: " + e.getMessage();
    } finally {
      Closer.closeQuietly(map);
      Closer.closeQuietly(program);
    }
  }

  /** Opens (and at once closes) a disabled uprobe event on this process's own malloc. */
  private static Availability probeSelf(CpuArch arch) {
    try {
      UprobePmu pmu = UprobePmu.read();
      long self = ProcessHandle.current().pid();
      List<LibcLocator.Found> libcs = LibcLocator.find(self, ProcMaps.read(self));
      if (libcs.isEmpty()) {
        return Availability.AVAILABLE; // nothing to try it on; attach will say more
      }
      LibcImage image =
          new LibcProbePlanner(false)
              .plan(libcs.get(0).targetPath(), libcs.get(0).hostPath(), libcs.get(0).file());
      if (image.sites().isEmpty()) {
        return Availability.AVAILABLE;
      }
      byte[] path = image.hostPath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      try (com.sun.jna.Memory memory = new com.sun.jna.Memory(path.length + 1L)) {
        memory.write(0, path, 0, path.length);
        memory.setByte(path.length, (byte) 0);
        PerfEventAttr attr =
            new PerfEventAttr()
                .type(pmu.type())
                .config(pmu.config(false))
                .config1(com.sun.jna.Pointer.nativeValue(memory))
                .config2(image.sites().get(0).entryOffset())
                .flag(io.leakdetector.uprobes.linux.PerfAbi.BIT_DISABLED, true);
        int fd = new PerfEvents(arch).open(attr, 0, -1, -1);
        LinuxC.close(fd);
      }
      return Availability.AVAILABLE;
    } catch (LastErrorException e) {
      int errno = e.getErrorCode();
      if (errno == LinuxC.EACCES || errno == LinuxC.EPERM) {
        return Availability.unavailable(
            "Not permitted to trace: " + PerfErrors.permissionHint() + "; run as root.");
      }
      return Availability.unavailable(
          "perf_event_open refused a uprobe: " + LinuxC.strerror(errno) + ".");
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      return Availability.unavailable("Cannot use uprobes here: " + e.getMessage() + ".");
    }
  }

  @Override
  public List<TargetProcess> findProcesses(String name) throws LeakDetectorException {
    List<TargetProcess> found = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    String comm = name.length() > 15 ? name.substring(0, 15) : name;
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : proc) {
        long pid;
        try {
          pid = Long.parseLong(p.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == self) {
          continue;
        }
        String exe = ProcFs.exeName(pid);
        if (name.equals(exe)
            || (exe.isEmpty() || exe.startsWith(comm)) && comm.equals(ProcFs.comm(pid))) {
          found.add(new TargetProcess(pid, exe.isEmpty() ? ProcFs.comm(pid) : exe));
        }
      }
    } catch (IOException e) {
      throw new LeakDetectorException(Kind.IO, "Cannot list /proc: " + e.getMessage() + ".", e);
    }
    return found;
  }

  @Override
  public HeapEventSource open(SourceRequest request) throws LeakDetectorException {
    Availability availability = availability();
    if (!availability.available()) {
      Kind kind =
          availability.reason().startsWith("Not permitted") ? Kind.NOT_PERMITTED : Kind.UNAVAILABLE;
      throw new LeakDetectorException(kind, availability.reason());
    }
    CpuArch arch = CpuArch.current().orElseThrow();
    UprobePmu pmu;
    try {
      pmu = UprobePmu.read();
    } catch (IOException | RuntimeException e) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE, "Cannot read the uprobe PMU: " + e.getMessage() + ".", e);
    }
    SourceOptions options = SourceOptions.from(request, LinuxC.getpagesize());
    boolean useBpf =
        switch (options.mode()) {
          case BPF -> {
            String refusal = bpfRefusal(arch);
            if (!refusal.isEmpty()) {
              throw new LeakDetectorException(
                  refusal.startsWith("BPF not permitted") ? Kind.NOT_PERMITTED : Kind.UNAVAILABLE,
                  "uprobes.mode=bpf cannot be used: " + refusal + ".");
            }
            yield true;
          }
          case PER_THREAD -> false;
          case AUTO -> availability.reason().startsWith("BPF design");
        };
    TargetSpec target = request.target();
    if (target instanceof TargetSpec.Self) {
      if (!useBpf) {
        throw new LeakDetectorException(
            Kind.UNAVAILABLE,
            "Tracing this process itself needs the BPF design, which is not used here: "
                + availability.reason()
                + ".");
      }
      return BpfSource.attachSelf(arch, pmu, options);
    }
    if (target instanceof TargetSpec.Pid p) {
      return useBpf
          ? BpfSource.attach(arch, pmu, options, p.pid())
          : PerThreadSource.attach(arch, pmu, options, request.includeKernelFrames(), p.pid());
    }
    TargetSpec.Launch launch = (TargetSpec.Launch) target;
    Launcher.Held held = Launcher.start(launch.command());
    if (useBpf && held.loader() != null) {
      return BpfSource.launched(arch, pmu, options, held);
    }
    // no dynamic loader to arm the BPF probes at the command's first instruction: per-thread
    return PerThreadSource.launched(
        arch,
        pmu,
        options,
        request.includeKernelFrames(),
        held.process(),
        held.name(),
        held.libcs());
  }
}
