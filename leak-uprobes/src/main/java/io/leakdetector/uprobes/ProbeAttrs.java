package io.leakdetector.uprobes;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.UprobePmu;
import io.leakdetector.uprobes.probe.AllocatorFunction;

/**
 * The {@code perf_event_attr} of each kind of event the source opens.
 *
 * <ul>
 *   <li>ring owner: a software dummy per CPU ({@code pid = -1}) whose ring every other event on
 *       that CPU writes into; it produces nothing itself, wakes the reader at a watermark, and
 *       outlives every thread of the target;
 *   <li>side-band: a dummy per thread and CPU with {@code task}, {@code mmap2} and {@code inherit}
 *       (threads only), so thread creation and exit and new executable mappings of every present
 *       and future thread are reported; it wakes the reader at once (these records are rare);
 *   <li>entry probes: identifier, tid, time and the three argument registers, no callchain;
 *   <li>return probes: identifier, tid, time, the result register(s) and the user callchain
 *       (posix_memalign: also the stack pointer and a small user stack dump); with a stack copy for
 *       the unwinder ({@link SourceOptions#stackCopy()} above 0) every return probe also samples
 *       the instruction, stack and frame pointers and dumps that many bytes of user stack from the
 *       stack pointer up, and posix_memalign's one dump of the larger of both sizes serves both
 *       purposes.
 * </ul>
 *
 * Probe events have no {@code inherit}: the kernel initialises an inherited uprobe PMU event in the
 * context of the thread that calls {@code clone()}, where it needs {@code CAP_PERFMON} and reads
 * the probe path through our pointer in the target's memory; {@code clone()} then fails in the
 * target with {@code EACCES} or {@code EFAULT} (measured). New threads get their probe events when
 * their creation is reported.
 */
final class ProbeAttrs {
  private final CpuArch arch;
  private final UprobePmu pmu;
  private final SourceOptions options;
  private final boolean includeKernelFrames;
  private final boolean launch;

  ProbeAttrs(
      CpuArch arch,
      UprobePmu pmu,
      SourceOptions options,
      boolean includeKernelFrames,
      boolean launch) {
    this.arch = arch;
    this.pmu = pmu;
    this.options = options;
    this.includeKernelFrames = includeKernelFrames;
    this.launch = launch;
  }

  private static PerfEventAttr common() {
    return new PerfEventAttr()
        .samplePeriod(1)
        .flag(PerfAbi.BIT_SAMPLE_ID_ALL, true)
        .flag(PerfAbi.BIT_USE_CLOCKID, true)
        .clockid(PerfAbi.CLOCK_MONOTONIC);
  }

  private static long baseSampleType() {
    return PerfAbi.SAMPLE_IDENTIFIER | PerfAbi.SAMPLE_TID | PerfAbi.SAMPLE_TIME;
  }

  PerfEventAttr ringOwner() {
    return common()
        .type(PerfAbi.TYPE_SOFTWARE)
        .config(PerfAbi.COUNT_SW_DUMMY)
        .sampleType(baseSampleType())
        .flag(PerfAbi.BIT_WATERMARK, true)
        .wakeupWatermark(Math.max(4096, options.ringBytes() / 100 * options.wakeupPercent()));
  }

  /**
   * @param beforeExec whether the event is opened on the held launcher, to be enabled by its exec
   */
  PerfEventAttr sideband(boolean beforeExec) {
    return common()
        .type(PerfAbi.TYPE_SOFTWARE)
        .config(PerfAbi.COUNT_SW_DUMMY)
        .sampleType(baseSampleType())
        .flag(PerfAbi.BIT_INHERIT, true)
        .flag(PerfAbi.BIT_INHERIT_THREAD, true)
        .flag(PerfAbi.BIT_TASK, true)
        .flag(PerfAbi.BIT_MMAP, true)
        .flag(PerfAbi.BIT_MMAP2, true)
        .flag(PerfAbi.BIT_DISABLED, beforeExec)
        .flag(PerfAbi.BIT_ENABLE_ON_EXEC, beforeExec)
        .wakeupWatermark(1); // wakeup_events = 1: without the watermark bit it counts records
  }

  PerfEventAttr entry(long pathAddress, long fileOffset, boolean beforeExec) {
    return probe(pathAddress, fileOffset, beforeExec)
        .config(pmu.config(false))
        .sampleType(baseSampleType() | PerfAbi.SAMPLE_REGS_USER)
        .sampleRegsUser(arch.entryRegsMask());
  }

  PerfEventAttr ret(
      long pathAddress, long fileOffset, AllocatorFunction.Kind kind, boolean beforeExec) {
    long sampleType = baseSampleType() | PerfAbi.SAMPLE_REGS_USER | PerfAbi.SAMPLE_CALLCHAIN;
    long regs = arch.returnRegsMask();
    PerfEventAttr attr = probe(pathAddress, fileOffset, beforeExec).config(pmu.config(true));
    int dump = stackDump(kind);
    if (dump > 0) {
      sampleType |= PerfAbi.SAMPLE_STACK_USER;
      regs = arch.dumpRegsMask(unwinds());
      attr.sampleStackUser(dump);
    }
    return attr.sampleType(sampleType)
        .sampleRegsUser(regs)
        .sampleMaxStack(options.maxStack())
        .flag(PerfAbi.BIT_EXCLUDE_CALLCHAIN_KERNEL, !includeKernelFrames);
  }

  /** Whether return samples carry the registers and stack copy an unwinder needs. */
  boolean unwinds() {
    return options.stackCopy() > 0;
  }

  /** Bytes of user stack dumped at the return of a function of this kind; 0 for none. */
  int stackDump(AllocatorFunction.Kind kind) {
    int dump = options.stackCopy();
    if (kind == AllocatorFunction.Kind.POSIX_MEMALIGN) {
      dump = Math.max(dump, options.memalignDumpBytes());
    }
    return dump;
  }

  /**
   * The largest return sample without its stack dump: header, identifier, tid, time, callchain
   * ({@code nr}, at most {@code maxStack} frames plus the kernel and user context markers),
   * registers (abi word and values) and the dump's two size words.
   */
  static int returnSampleOverhead(CpuArch arch, int maxStack, boolean unwind) {
    int callchain = 8 + 8 * (maxStack + 2);
    int registers = 8 + 8 * Long.bitCount(arch.dumpRegsMask(unwind));
    return 8 + 8 + 8 + 8 + callchain + registers + 16;
  }

  /**
   * The largest stack copy a return sample can carry with this {@code maxStack}: the kernel keeps a
   * sample's size in 16 bits ({@code perf_event_header.size}), so the whole sample stays below 64
   * KiB; a multiple of {@link #STACK_COPY_UNIT} bytes like {@link SourceOptions#stackCopy()}.
   */
  static int maxStackCopy(CpuArch arch, int maxStack) {
    int room = MAX_SAMPLE - returnSampleOverhead(arch, maxStack, true);
    return room / STACK_COPY_UNIT * STACK_COPY_UNIT;
  }

  /** The largest sample the kernel writes: its size is a u16. */
  static final int MAX_SAMPLE = 0xFFFF;

  /** The granularity of {@code uprobes.stack-copy}. */
  static final int STACK_COPY_UNIT = 512;

  /**
   * Checks that the stack dumps fit in a perf sample and that one return sample fits in a ring;
   * either failing is a {@code USAGE} error naming the options to change.
   */
  void checkSampleSizes() throws LeakDetectorException {
    int copy = options.stackCopy();
    int max = maxStackCopy(arch, options.maxStack());
    if (copy > max) {
      throw new LeakDetectorException(
          LeakDetectorException.Kind.USAGE,
          "The per-thread design copies at most "
              + max
              + " bytes of stack per allocation with uprobes.max-stack="
              + options.maxStack()
              + " (a perf sample must stay under 64 KiB), not uprobes.stack-copy="
              + copy
              + ".");
    }
    int largest =
        returnSampleOverhead(arch, options.maxStack(), unwinds())
            + stackDump(AllocatorFunction.Kind.POSIX_MEMALIGN);
    if (largest > options.ringBytes()) {
      throw new LeakDetectorException(
          LeakDetectorException.Kind.USAGE,
          "A ring of uprobes.ring-kib="
              + options.ringBytes() / 1024
              + " cannot hold one allocation sample of up to "
              + largest
              + " bytes; give a larger ring or a smaller uprobes.stack-copy.");
    }
  }

  private PerfEventAttr probe(long pathAddress, long fileOffset, boolean beforeExec) {
    return common()
        .type(pmu.type())
        .config1(pathAddress)
        .config2(fileOffset)
        .flag(PerfAbi.BIT_WATERMARK, true)
        .wakeupWatermark(Math.max(4096, options.ringBytes() / 100 * options.wakeupPercent()))
        .flag(PerfAbi.BIT_DISABLED, true)
        .flag(PerfAbi.BIT_ENABLE_ON_EXEC, beforeExec);
  }

  boolean launch() {
    return launch;
  }
}
