package io.leakdetector.uprobes.event;

import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.linux.PerfRing;
import java.nio.ByteBuffer;

/**
 * Decodes perf records into an {@link EventBatch}. Probe samples are looked up by their identifier;
 * return samples have their user callchain (context markers stripped) copied into the batch, to be
 * interned when the allocation is reported. Thread creation and module mappings are handed to a
 * {@link Sideband} as soon as they are read, because acting on them cannot wait for the
 * time-ordered pass.
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

  /** How samples of each probe site are laid out. */
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
      int dumpRegCount) {}

  private final int targetPid;
  private final EventTable table;
  private final Layout layout;
  private final Sideband sideband;
  private boolean[] siteDumpsStack = new boolean[0];
  private final long[] frames;
  private EventBatch batch;

  private long samples;
  private long unknownRecords;
  private long samplesWithoutRegisters;
  private long lostRecords;
  private long truncatedRecords;

  public RecordDecoder(
      int targetPid, EventTable table, Layout layout, int maxStack, Sideband sideband) {
    this.targetPid = targetPid;
    this.table = table;
    this.layout = layout;
    this.sideband = sideband;
    this.frames = new long[Math.max(8, maxStack + 8)];
  }

  /** Which probe sites' return samples carry a user stack dump (posix_memalign). */
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
    boolean dump = site < siteDumpsStack.length && siteDumpsStack[site];
    int regCount = dump ? layout.dumpRegCount() : layout.returnRegCount();
    if (p + 8 * regCount > end) {
      truncatedRecords++;
      return;
    }
    int i = batch.add(EventBatch.RETURN, time, tid, site);
    batch.setFrames(i, frames, length);
    if (!dump) {
      batch.setValues(i, b.getLong(p + 8 * layout.returnResultSlot()), 0, 0);
      return;
    }
    long result = b.getLong(p + 8 * layout.dumpResultSlot());
    long sp = b.getLong(p + 8 * layout.dumpSpSlot());
    long result2 = layout.dumpResult2Slot() >= 0 ? b.getLong(p + 8 * layout.dumpResult2Slot()) : 0;
    p += 8 * regCount;
    long dumpSize = p + 8 <= end ? b.getLong(p) : 0;
    long dynSize = 0;
    int dataAt = p + 8;
    if (dumpSize > 0 && dataAt + dumpSize + 8 <= end) {
      dynSize = Math.min(b.getLong(dataAt + (int) dumpSize), dumpSize);
    }
    batch.setValues(i, result, sp, dynSize);
    batch.setV3(i, result2);
    if (dynSize > 0) {
      int at = batch.reserveDump((int) dynSize);
      b.get(dataAt, batch.dumps(), at, (int) dynSize);
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
}
