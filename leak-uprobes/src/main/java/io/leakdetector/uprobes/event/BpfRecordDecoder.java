package io.leakdetector.uprobes.event;

import io.leakdetector.uprobes.bpf.BpfRingBuffer;
import io.leakdetector.uprobes.bpf.ProbeRecord;
import java.nio.ByteBuffer;

/**
 * Decodes the probe programs' ring buffer records ({@link ProbeRecord}) into an {@link EventBatch},
 * in ring order. Only copies: the callchain goes to the batch's frame arena.
 *
 * <p>posix_memalign's return carries {@code memptr} and the pointer read there in the kernel at the
 * return; it is handed to the pairing as an 8-byte dump at {@code memptr}, so the pairing reads the
 * result from it exactly. Without it (the entry was not seen, or the read failed) the pairing falls
 * back to reading the target's memory.
 */
public final class BpfRecordDecoder implements BpfRingBuffer.RecordSink {
  private final long[] chain;
  private final long[] frames;
  private final int stackCopy;
  private final int maxStack;
  private final ReturnStacks stacks;
  private EventBatch batch;
  private long records;
  private long malformedRecords;
  private long stackCopyBytes;
  private long unwindNanos;

  /**
   * @param maxStack the room for frames in a return record (the callchain's depth)
   * @param stackCopy the room for the stack copy in a return record
   * @param maxFrames the deepest stack handed on
   * @param stacks makes the allocation's stack from what the record captured
   */
  public BpfRecordDecoder(int maxStack, int stackCopy, int maxFrames, ReturnStacks stacks) {
    this.maxStack = maxStack;
    this.chain = new long[maxStack];
    this.frames = new long[maxFrames];
    this.stackCopy = stackCopy;
    this.stacks = stacks;
  }

  /** A decoder that hands on the kernel's callchain as it is. */
  public BpfRecordDecoder(int maxStack) {
    this(maxStack, 0, maxStack, ReturnStacks.CALLCHAIN);
  }

  /** Where decoded events go until the next call. */
  public void into(EventBatch target) {
    this.batch = target;
  }

  @Override
  public void record(ByteBuffer b, int offset, int length) {
    records++;
    if (length >= ProbeRecord.EXEC_SIZE
        && b.get(offset + ProbeRecord.KIND) == ProbeRecord.KIND_EXEC) {
      batch.add(
          EventBatch.EXEC,
          b.getLong(offset + ProbeRecord.TIME),
          b.getInt(offset + ProbeRecord.TID),
          -1);
      return;
    }
    if (length < ProbeRecord.ENTRY_SIZE) {
      malformedRecords++;
      return;
    }
    long time = b.getLong(offset + ProbeRecord.TIME);
    int tid = b.getInt(offset + ProbeRecord.TID);
    int site = Short.toUnsignedInt(b.getShort(offset + ProbeRecord.SITE));
    int kind = b.get(offset + ProbeRecord.KIND);
    long v0 = b.getLong(offset + ProbeRecord.V0);
    long v1 = b.getLong(offset + ProbeRecord.V1);
    long v2 = b.getLong(offset + ProbeRecord.V2);
    if (kind == ProbeRecord.KIND_ENTRY) {
      int i = batch.add(EventBatch.ENTRY, time, tid, site);
      batch.setValues(i, v0, v1, v2);
      return;
    }
    if (kind != ProbeRecord.KIND_RETURN || length < ProbeRecord.FRAMES) {
      malformedRecords++;
      return;
    }
    int i = batch.add(EventBatch.RETURN, time, tid, site);
    int flags = b.getInt(offset + ProbeRecord.FLAGS);
    if ((flags & ProbeRecord.FLAG_VALUE_READ) != 0) {
      int at = batch.reserveDump(8);
      byte[] dumps = batch.dumps();
      for (int k = 0; k < 8; k++) {
        dumps[at + k] = (byte) (v2 >>> (8 * k));
      }
      batch.setValues(i, v0, v1, 8);
      batch.setAux(i, at);
    } else {
      batch.setValues(i, v0, 0, 0);
    }
    int stackBytes = b.getInt(offset + ProbeRecord.STACK_BYTES);
    int n =
        Math.min(
            Math.max(0, stackBytes) / 8, Math.min(maxStack, (length - ProbeRecord.FRAMES) / 8));
    int at = offset + ProbeRecord.FRAMES;
    for (int k = 0; k < n; k++) {
      chain[k] = b.getLong(at + 8 * k);
    }
    int regs = offset + ProbeRecord.registers(maxStack);
    if (regs + ProbeRecord.STACK_COPY > offset + length) {
      batch.setFrames(i, chain, n);
      return;
    }
    long ip = b.getLong(regs + ProbeRecord.REG_IP);
    long sp = b.getLong(regs + ProbeRecord.REG_SP);
    long bp = b.getLong(regs + ProbeRecord.REG_BP);
    int copied = b.getInt(regs + ProbeRecord.STACK_COPIED);
    copied =
        Math.max(
            0,
            Math.min(copied, Math.min(stackCopy, offset + length - regs - ProbeRecord.STACK_COPY)));
    stackCopyBytes += copied;
    long begin = System.nanoTime();
    int count =
        stacks.unwind(
            ip,
            sp,
            bp,
            b,
            regs + ProbeRecord.STACK_COPY,
            copied,
            sp & -ProbeRecord.STACK_CHUNK,
            chain,
            n,
            frames);
    unwindNanos += System.nanoTime() - begin;
    batch.setFrames(i, frames, count);
  }

  /** Bytes of user stack the records carried. */
  public long stackCopyBytes() {
    return stackCopyBytes;
  }

  /** Time spent making stacks from the records, in nanoseconds. */
  public long unwindNanos() {
    return unwindNanos;
  }

  public long records() {
    return records;
  }

  public long malformedRecords() {
    return malformedRecords;
  }
}
