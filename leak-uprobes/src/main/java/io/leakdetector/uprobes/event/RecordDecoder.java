package io.leakdetector.uprobes.event;

import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.linux.PerfRing;
import java.nio.ByteBuffer;

/**
 * Decodes perf records into an {@link EventBatch}. Probe samples are looked up by their identifier;
 * return samples have their user callchain (context markers stripped) copied into the batch, to be
 * interned when the allocation is reported. When return samples carry the user registers and a copy
 * of the top of the user stack ({@link Layout#unwinds()}), the decoder hands those with the
 * callchain to a {@link ReturnStacks}, and the stack it makes is what goes into the batch. Thread
 * creation and module mappings are handed to a {@link Sideband} as soon as they are read, because
 * acting on them cannot wait for the time-ordered pass.
 */
public final class RecordDecoder implements PerfRing.RecordSink {

  /** Told of side-band records of the target as soon as they are decoded. */
  public interface Sideband {
    /** Ignores thread creations and mappings. */
    Sideband NONE =
        new Sideband() {
          @Override
          public void threadCreated(int tid, long timeNanos) {}

          @Override
          public void moduleMapped(
              long start,
              long length,
              long fileOffset,
              long devMajor,
              long devMinor,
              long inode,
              String path) {}
        };

    /** Thread {@code tid} of the target was created. */
    void threadCreated(int tid, long timeNanos);

    /**
     * The target mapped a file executable.
     *
     * @param devMajor major number of the file's device ({@code maj}, as in {@code
     *     /proc/PID/maps}); 0 when the record carries a build id instead
     * @param devMinor minor number of the file's device ({@code min})
     * @param inode the file's inode, 0 when the record carries a build id instead
     */
    void moduleMapped(
        long start,
        long length,
        long fileOffset,
        long devMajor,
        long devMinor,
        long inode,
        String path);
  }

  /**
   * How samples of each probe site are laid out: the slot of each register among those a sample
   * carries (the kernel writes them in ascending perf register number), and how many there are.
   * Return samples with a user stack dump ("dump" samples: posix_memalign's, and every return
   * sample when {@link #unwinds()}) carry the dump registers.
   *
   * @param dumpIpSlot the instruction pointer among the dump registers; -1 unless every return
   *     sample carries the registers and stack copy an unwinder needs
   * @param dumpBpSlot the frame pointer among the dump registers; -1 likewise
   */
  public record Layout(
      int entryArg0Slot,
      int entryArg1Slot,
      int entryArg2Slot,
      int entryRegCount,
      int returnResultSlot,
      int returnRegCount,
      int dumpResultSlot,
      int dumpResult2Slot,
      int dumpSpSlot,
      int dumpRegCount,
      int dumpIpSlot,
      int dumpBpSlot) {

    /** A layout whose only dump samples are posix_memalign's (no stack copies for unwinding). */
    public Layout(
        int entryArg0Slot,
        int entryArg1Slot,
        int entryArg2Slot,
        int entryRegCount,
        int returnResultSlot,
        int returnRegCount,
        int dumpResultSlot,
        int dumpResult2Slot,
        int dumpSpSlot,
        int dumpRegCount) {
      this(
          entryArg0Slot,
          entryArg1Slot,
          entryArg2Slot,
          entryRegCount,
          returnResultSlot,
          returnRegCount,
          dumpResultSlot,
          dumpResult2Slot,
          dumpSpSlot,
          dumpRegCount,
          -1,
          -1);
    }

    /** Whether every return sample carries ip, sp, bp and a user stack dump for the unwinder. */
    public boolean unwinds() {
      return dumpIpSlot >= 0;
    }
  }

  private final int targetPid;
  private final EventTable table;
  private final Layout layout;
  private final Sideband sideband;
  private boolean[] siteDumpsStack = new boolean[0];
  private final long[] frames;
  private final long[] unwound;
  private final int stackBytes;
  private final int keptDumpBytes;
  private final ReturnStacks stacks;
  private EventBatch batch;

  private long samples;
  private long unknownRecords;
  private long samplesWithoutRegisters;
  private long lostRecords;
  private long truncatedRecords;
  private long stackCopyBytes;
  private long unwindNanos;

  /** A decoder of samples without stack copies: return samples keep the kernel's callchain. */
  public RecordDecoder(
      int targetPid, EventTable table, Layout layout, int maxStack, Sideband sideband) {
    this(
        targetPid, table, layout, maxStack, 0, Integer.MAX_VALUE, ReturnStacks.CALLCHAIN, sideband);
  }

  /**
   * @param maxStack the deepest callchain the return samples carry
   * @param stackBytes the largest user stack dump a return sample carries: at most this many bytes
   *     are handed to {@code stacks}
   * @param keptDumpBytes at most this many bytes of a posix_memalign return's dump are kept in the
   *     batch, where its result pointer is looked up
   * @param stacks makes each allocation's stack from its return sample, when {@link
   *     Layout#unwinds()}
   */
  public RecordDecoder(
      int targetPid,
      EventTable table,
      Layout layout,
      int maxStack,
      int stackBytes,
      int keptDumpBytes,
      ReturnStacks stacks,
      Sideband sideband) {
    this.targetPid = targetPid;
    this.table = table;
    this.layout = layout;
    this.sideband = sideband;
    this.frames = new long[Math.max(8, maxStack + 8)];
    this.unwound = new long[frames.length];
    this.stackBytes = layout.unwinds() ? stackBytes : 0;
    this.keptDumpBytes = keptDumpBytes;
    this.stacks = stacks;
  }

  /**
   * Which probe sites' return samples carry a user stack dump for their own use (posix_memalign's,
   * where the result pointer is read from); with {@link Layout#unwinds()} every return sample
   * carries one.
   */
  public void siteDumpsStack(boolean[] dumps) {
    this.siteDumpsStack = dumps.clone();
  }

  /** Where decoded events go until the next call. */
  public void into(EventBatch target) {
    this.batch = target;
  }

  @Override
  public void record(ByteBuffer b, int offset, int size) {
    int type = b.getInt(offset);
    switch (type) {
      case PerfAbi.RECORD_SAMPLE -> sample(b, offset, size);
      case PerfAbi.RECORD_LOST -> lost(b, offset, size, b.getLong(offset + 16));
      case PerfAbi.RECORD_LOST_SAMPLES -> lost(b, offset, size, b.getLong(offset + 8));
      case PerfAbi.RECORD_FORK -> fork(b, offset, size);
      case PerfAbi.RECORD_EXIT -> exit(b, offset, size);
      case PerfAbi.RECORD_MMAP2 -> mmap2(b, offset, size);
      default -> unknownRecords++;
    }
  }

  private void sample(ByteBuffer b, int offset, int size) {
    int end = offset + size;
    long id = b.getLong(offset + 8);
    int d = table.find(id);
    if (d < 0) {
      unknownRecords++;
      return;
    }
    samples++;
    int tid = b.getInt(offset + 20);
    long time = b.getLong(offset + 24);
    int site = table.site(d);
    if (table.role(d) == EventTable.ENTRY_PROBE) {
      int regsAt = offset + 32;
      if (regsAt + 8 > end || b.getLong(regsAt) == 0) {
        samplesWithoutRegisters++;
        return;
      }
      if (regsAt + 8 + 8 * layout.entryRegCount() > end) {
        truncatedRecords++;
        return;
      }
      int i = batch.add(EventBatch.ENTRY, time, tid, site);
      int regs = regsAt + 8;
      batch.setValues(
          i,
          b.getLong(regs + 8 * layout.entryArg0Slot()),
          b.getLong(regs + 8 * layout.entryArg1Slot()),
          b.getLong(regs + 8 * layout.entryArg2Slot()));
      return;
    }
    if (table.role(d) != EventTable.RETURN_PROBE) {
      unknownRecords++;
      return;
    }
    int p = offset + 32;
    long nr = b.getLong(p);
    p += 8;
    if (nr < 0 || p + 8 * nr > end) {
      truncatedRecords++;
      return;
    }
    int length = 0;
    for (int k = 0; k < nr; k++) {
      long ip = b.getLong(p + 8 * k);
      if (Long.compareUnsigned(ip, PerfAbi.CONTEXT_MAX) >= 0) {
        continue; // PERF_CONTEXT_USER / _KERNEL markers
      }
      if (length < frames.length) {
        frames[length++] = ip;
      }
    }
    p += 8 * (int) nr;
    if (p + 8 > end || b.getLong(p) == 0) {
      samplesWithoutRegisters++;
      return;
    }
    p += 8;
    boolean keep = site < siteDumpsStack.length && siteDumpsStack[site];
    boolean dump = keep || layout.unwinds();
    int regCount = dump ? layout.dumpRegCount() : layout.returnRegCount();
    if (p + 8 * regCount > end) {
      truncatedRecords++;
      return;
    }
    int i = batch.add(EventBatch.RETURN, time, tid, site);
    if (!dump) {
      batch.setFrames(i, frames, length);
      batch.setValues(i, b.getLong(p + 8 * layout.returnResultSlot()), 0, 0);
      return;
    }
    long result = b.getLong(p + 8 * layout.dumpResultSlot());
    long sp = b.getLong(p + 8 * layout.dumpSpSlot());
    long result2 = layout.dumpResult2Slot() >= 0 ? b.getLong(p + 8 * layout.dumpResult2Slot()) : 0;
    long ip = layout.unwinds() ? b.getLong(p + 8 * layout.dumpIpSlot()) : 0;
    long bp = layout.unwinds() ? b.getLong(p + 8 * layout.dumpBpSlot()) : 0;
    p += 8 * regCount;
    // PERF_SAMPLE_STACK_USER: u64 size, size bytes from sp up, u64 dyn_size (bytes really copied)
    long dumpSize = p + 8 <= end ? b.getLong(p) : 0;
    long dynSize = 0;
    int dataAt = p + 8;
    if (dumpSize > 0 && dataAt + dumpSize + 8 <= end) {
      dynSize = Math.max(0, Math.min(b.getLong(dataAt + (int) dumpSize), dumpSize));
    }
    if (layout.unwinds()) {
      int copied = (int) Math.min(dynSize, stackBytes);
      stackCopyBytes += copied;
      long begin = System.nanoTime();
      int count = stacks.unwind(ip, sp, bp, b, dataAt, copied, sp, frames, length, unwound);
      unwindNanos += System.nanoTime() - begin;
      batch.setFrames(i, unwound, count);
    } else {
      batch.setFrames(i, frames, length);
    }
    if (!keep) {
      batch.setValues(i, result, 0, 0);
      return;
    }
    int kept = (int) Math.min(dynSize, keptDumpBytes);
    batch.setValues(i, result, sp, kept);
    batch.setV3(i, result2);
    if (kept > 0) {
      int at = batch.reserveDump(kept);
      b.get(dataAt, batch.dumps(), at, kept);
      batch.setAux(i, at);
    }
  }

  private void lost(ByteBuffer b, int offset, int size, long count) {
    lostRecords++;
    long time = size >= 32 ? b.getLong(offset + size - 16) : 0;
    int i = batch.add(EventBatch.LOST, time, 0, -1);
    batch.setValues(i, count, 0, 0);
  }

  private void fork(ByteBuffer b, int offset, int size) {
    int pid = b.getInt(offset + 8);
    int tid = b.getInt(offset + 16);
    if (pid == targetPid && tid != pid) {
      sideband.threadCreated(tid, b.getLong(offset + 24));
    }
  }

  private void exit(ByteBuffer b, int offset, int size) {
    int pid = b.getInt(offset + 8);
    int tid = b.getInt(offset + 16);
    if (pid == targetPid) {
      batch.add(EventBatch.EXIT, b.getLong(offset + 24), tid, -1);
    }
  }

  private void mmap2(ByteBuffer b, int offset, int size) {
    int pid = b.getInt(offset + 8);
    if (pid != targetPid) {
      return;
    }
    long start = b.getLong(offset + 16);
    long length = b.getLong(offset + 24);
    long pgoff = b.getLong(offset + 32);
    int misc = Short.toUnsignedInt(b.getShort(offset + 4));
    boolean buildId = (misc & PerfAbi.MISC_MMAP_BUILD_ID) != 0;
    // u32 maj, u32 min, u64 ino: the kernel's MAJOR()/MINOR() of the inode's superblock device
    long major = buildId ? 0 : Integer.toUnsignedLong(b.getInt(offset + 40));
    long minor = buildId ? 0 : Integer.toUnsignedLong(b.getInt(offset + 44));
    long inode = buildId ? 0 : b.getLong(offset + 48);
    int nameAt = offset + 72;
    int nameEnd = nameAt;
    int limit = offset + size - 24; // sample_id trailer
    while (nameEnd < limit && b.get(nameEnd) != 0) {
      nameEnd++;
    }
    byte[] name = new byte[nameEnd - nameAt];
    b.get(nameAt, name);
    sideband.moduleMapped(
        start,
        length,
        pgoff,
        major,
        minor,
        inode,
        new String(name, java.nio.charset.StandardCharsets.UTF_8));
  }

  public long samples() {
    return samples;
  }

  public long unknownRecords() {
    return unknownRecords;
  }

  public long samplesWithoutRegisters() {
    return samplesWithoutRegisters;
  }

  public long lostRecords() {
    return lostRecords;
  }

  public long truncatedRecords() {
    return truncatedRecords;
  }

  /** Bytes of user stack the return samples carried to the unwinder. */
  public long stackCopyBytes() {
    return stackCopyBytes;
  }

  /** Time spent making stacks from the return samples, in nanoseconds. */
  public long unwindNanos() {
    return unwindNanos;
  }
}
