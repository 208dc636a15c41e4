package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.uprobes.event.AllocationPairing;
import io.leakdetector.uprobes.event.EventBatch;
import io.leakdetector.uprobes.event.RecordDecoder;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.linux.PerfRing;

/**
 * The per-thread design's reader: waits on the per-CPU rings and the target's pidfd, drains the
 * rings into primitive columns, and applies the events older than the reorder window in time order,
 * so a free on one CPU is never applied before the allocation it frees on another.
 */
final class PerCpuReader implements Runnable {
  private final PerfRing[] rings;
  private final int[] ringFds;
  private final int pidfd;
  private final SourceOptions options;
  private final RecordDecoder decoder;
  private final AllocationPairing pairing;
  private final HeapEventSink sink;
  private final StreamListener listener;
  private final Process launched;
  private EventBatch current = new EventBatch(1 << 16);
  private EventBatch next = new EventBatch(1 << 16);
  private final EventBatch spill = new EventBatch(1 << 16);
  private volatile boolean stopRequested;
  private volatile boolean targetExited;
  private volatile boolean failed;

  /** Every event older than this (System.nanoTime) has been handed to the sink. */
  private volatile long processedUpTo = Long.MIN_VALUE;

  private long lastProcessedTime = Long.MIN_VALUE;
  private volatile long lateEvents;
  private volatile long spills;
  private volatile long drains;

  PerCpuReader(
      PerfRing[] rings,
      int[] ringFds,
      int pidfd,
      SourceOptions options,
      RecordDecoder decoder,
      AllocationPairing pairing,
      HeapEventSink sink,
      StreamListener listener,
      Process launched) {
    this.rings = rings;
    this.ringFds = ringFds;
    this.pidfd = pidfd;
    this.options = options;
    this.decoder = decoder;
    this.pairing = pairing;
    this.sink = sink;
    this.listener = listener;
    this.launched = launched;
  }

  /** Where each register lies in this architecture's samples, without stack copies. */
  static RecordDecoder.Layout layout(CpuArch arch) {
    return layout(arch, false);
  }

  /**
   * Where each register lies in this architecture's samples.
   *
   * @param unwind whether every return sample carries the registers and stack copy an unwinder
   *     needs (then all are laid out as dump samples)
   */
  static RecordDecoder.Layout layout(CpuArch arch, boolean unwind) {
    long entry = arch.entryRegsMask();
    long ret = arch.returnRegsMask();
    long dump = arch.dumpRegsMask(unwind);
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
        Long.bitCount(dump),
        unwind ? CpuArch.slotOf(dump, arch.instructionPointer()) : -1,
        unwind ? CpuArch.slotOf(dump, arch.framePointer()) : -1);
  }

  /** Asks the loop to end: it applies what the rings hold, then returns. */
  void requestStop() {
    stopRequested = true;
  }

  boolean targetExited() {
    return targetExited;
  }

  /** Whether the loop has ended for good (target exit or failure): waiting on it is pointless. */
  boolean ended() {
    return targetExited || failed;
  }

  long processedUpTo() {
    return processedUpTo;
  }

  long lateEvents() {
    return lateEvents;
  }

  long spills() {
    return spills;
  }

  long drains() {
    return drains;
  }

  @Override
  public void run() {
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
        drainInto(current);
        processUpTo(exited ? Long.MAX_VALUE : drainStart - options.reorderNanos());
        processedUpTo = drainStart - options.reorderNanos();
        if (exited) {
          drainInto(current);
          processUpTo(Long.MAX_VALUE);
          targetExited = true;
          listener.onTargetExit(Launcher.exitCode(launched));
          return;
        }
      }
      drainInto(current);
      processUpTo(Long.MAX_VALUE);
    } catch (Throwable t) {
      failed = true;
      if (!stopRequested) {
        listener.onSourceFailure("The uprobes source stopped: " + t + ".");
      }
    }
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
}
