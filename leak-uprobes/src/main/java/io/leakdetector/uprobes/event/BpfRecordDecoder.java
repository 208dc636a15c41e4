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
  private final long[] frames;
  private final int maxStack;
  private EventBatch batch;
  private long records;
  private long malformedRecords;

  public BpfRecordDecoder(int maxStack) {
    this.maxStack = maxStack;
    this.frames = new long[maxStack];
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
      frames[k] = b.getLong(at + 8 * k);
    }
    batch.setFrames(i, frames, n);
  }

  public long records() {
    return records;
  }

  public long malformedRecords() {
    return malformedRecords;
  }
}
