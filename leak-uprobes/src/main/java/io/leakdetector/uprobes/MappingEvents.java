package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.uprobes.event.EventBatch;
import io.leakdetector.uprobes.event.EventTable;
import io.leakdetector.uprobes.event.RecordDecoder;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.linux.PerfEventAttr;
import io.leakdetector.uprobes.linux.PerfEvents;
import io.leakdetector.uprobes.linux.PerfRing;

/**
 * The target's new executable mappings in the BPF design: one software dummy event per CPU for the
 * whole system ({@code pid} = -1) with {@code mmap2}, whose records are kept only when they are the
 * target's. A per-task event would see only the threads it was opened on; a per-CPU one sees every
 * thread, present and future, and their number does not matter. Mapping records are rare.
 */
final class MappingEvents implements AutoCloseable {
  private static final int RING_BYTES = 256 * 1024;
  private static final int PAGE_SIZE = LinuxC.getpagesize();

  private final int[] fds;
  private final PerfRing[] rings;
  private final RecordDecoder decoder;
  private final EventBatch scratch = new EventBatch(64);
  private volatile long lost;

  /**
   * @throws LastErrorException when the events cannot be opened (those opened are closed)
   */
  MappingEvents(CpuArch arch, int[] cpus, int pid, RecordDecoder.Sideband sideband) {
    PerfEvents perf = new PerfEvents(arch);
    PerfEventAttr attr =
        new PerfEventAttr()
            .type(PerfAbi.TYPE_SOFTWARE)
            .config(PerfAbi.COUNT_SW_DUMMY)
            .samplePeriod(1)
            .sampleType(PerfAbi.SAMPLE_IDENTIFIER | PerfAbi.SAMPLE_TID | PerfAbi.SAMPLE_TIME)
            .flag(PerfAbi.BIT_SAMPLE_ID_ALL, true)
            .flag(PerfAbi.BIT_USE_CLOCKID, true)
            .clockid(PerfAbi.CLOCK_MONOTONIC)
            .flag(PerfAbi.BIT_MMAP, true)
            .flag(PerfAbi.BIT_MMAP2, true)
            .flag(PerfAbi.BIT_WATERMARK, true)
            .wakeupWatermark(RING_BYTES / 2);
    fds = new int[cpus.length];
    rings = new PerfRing[cpus.length];
    java.util.Arrays.fill(fds, -1);
    try {
      for (int c = 0; c < cpus.length; c++) {
        fds[c] = perf.open(attr, -1, cpus[c], -1);
        rings[c] = PerfRing.map(fds[c], cpus[c], RING_BYTES, PAGE_SIZE);
      }
    } catch (LastErrorException e) {
      close();
      throw e;
    }
    decoder = new RecordDecoder(pid, new EventTable(), PerCpuReader.layout(arch), 1, sideband);
    decoder.into(scratch);
  }

  int[] fds() {
    return fds.clone();
  }

  int events() {
    return fds.length;
  }

  /** Reads every ring; the target's mappings go to the side band. */
  void drain() {
    for (PerfRing ring : rings) {
      ring.drain(decoder);
    }
    for (int i = 0; i < scratch.count(); i++) {
      if (scratch.type(i) == EventBatch.LOST) {
        lost += scratch.v0(i);
      }
    }
    scratch.clear();
  }

  /** Mapping records the kernel dropped (a late libc among them would not be probed). */
  long lost() {
    return lost;
  }

  @Override
  public void close() {
    for (int c = 0; c < rings.length; c++) {
      if (rings[c] != null) {
        rings[c].close();
        rings[c] = null;
      }
      if (fds[c] >= 0) {
        Closer.closeQuietly(fds[c]);
        fds[c] = -1;
      }
    }
  }
}
