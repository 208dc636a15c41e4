package io.leakdetector.uprobes.linux;

import com.sun.jna.Pointer;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One mmapped perf ring buffer: a metadata page and a power-of-two data area, read through a direct
 * {@link ByteBuffer} over the mapping. {@code data_head} is loaded with acquire ordering, records
 * that wrap around the end are copied out, and {@code data_tail} is stored with release ordering
 * once the records are consumed, as {@code perf_event_mmap_page} asks.
 */
public final class PerfRing implements AutoCloseable {

  /** Receives the records of one drain; the buffer is only valid during the call. */
  @FunctionalInterface
  public interface RecordSink {
    /**
     * @param buffer bytes of the record, native order
     * @param offset where the record (its {@code perf_event_header}) starts
     * @param size its size in bytes
     */
    void record(ByteBuffer buffer, int offset, int size);
  }

  private final int fd;
  private final int cpu;
  private final long mapLength;
  private Pointer base;
  private final ByteBuffer buffer;
  private final int dataOffset;
  private final int dataSize;
  // direct like the mapping, so the decoder's code sees one buffer class
  private final ByteBuffer wrapped =
      ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.nativeOrder());
  private long tail;

  private PerfRing(int fd, int cpu, Pointer base, long mapLength, int pageSize) {
    this(fd, cpu, base, base.getByteBuffer(0, mapLength), mapLength, pageSize);
  }

  private PerfRing(
      int fd, int cpu, Pointer base, ByteBuffer mapping, long mapLength, int pageSize) {
    this.fd = fd;
    this.cpu = cpu;
    this.base = base;
    this.mapLength = mapLength;
    this.buffer = mapping.order(ByteOrder.nativeOrder());
    long offset = buffer.getLong(PerfAbi.PAGE_DATA_OFFSET);
    long size = buffer.getLong(PerfAbi.PAGE_DATA_SIZE);
    this.dataOffset = offset != 0 ? (int) offset : pageSize;
    this.dataSize = size != 0 ? (int) size : (int) (mapLength - pageSize);
    this.tail = buffer.getLong(PerfAbi.PAGE_DATA_TAIL);
  }

  /**
   * Maps the ring of event {@code fd}.
   *
   * @param dataBytes size of the data area, a power of two multiple of the page size
   */
  public static PerfRing map(int fd, int cpu, int dataBytes, int pageSize) {
    long length = (long) dataBytes + pageSize;
    Pointer p =
        LinuxC.mmap(null, length, LinuxC.PROT_READ | LinuxC.PROT_WRITE, LinuxC.MAP_SHARED, fd, 0);
    return new PerfRing(fd, cpu, p, length, pageSize);
  }

  /**
   * A ring over a direct buffer laid out like the mapping (metadata page, then the data area), with
   * no event behind it: for tests and for warming the reader up.
   */
  public static PerfRing overBuffer(ByteBuffer mapping, int pageSize) {
    if (!mapping.isDirect()) {
      throw new IllegalArgumentException("the buffer must be direct, like a mapping");
    }
    return new PerfRing(-1, -1, null, mapping, mapping.capacity(), pageSize);
  }

  public int fd() {
    return fd;
  }

  public int cpu() {
    return cpu;
  }

  public int dataSize() {
    return dataSize;
  }

  /** Sets where reading continues (for a ring over a plain buffer). */
  public void resetTail(long newTail) {
    this.tail = newTail;
  }

  /** Bytes written and not yet consumed. */
  public long pending() {
    return head() - tail;
  }

  private long head() {
    long head = buffer.getLong(PerfAbi.PAGE_DATA_HEAD);
    VarHandle.acquireFence();
    return head;
  }

  /**
   * Hands every complete record written so far to {@code sink}, then frees their space.
   *
   * @return how many records were read
   */
  public int drain(RecordSink sink) {
    long head = head();
    int count = 0;
    int mask = dataSize - 1;
    while (tail < head) {
      int position = (int) (tail & mask);
      int size = Short.toUnsignedInt(buffer.getShort(dataOffset + position + 6));
      if (size < 8 || tail + size > head) {
        break; // corrupt or torn: stop here, the head will move on
      }
      if (position + size <= dataSize) {
        sink.record(buffer, dataOffset + position, size);
      } else {
        int first = dataSize - position;
        wrapped.clear();
        wrapped.put(0, buffer, dataOffset + position, first);
        wrapped.put(first, buffer, dataOffset, size - first);
        sink.record(wrapped, 0, size);
      }
      tail += size;
      count++;
    }
    VarHandle.releaseFence();
    buffer.putLong(PerfAbi.PAGE_DATA_TAIL, tail);
    return count;
  }

  /** Unmaps the ring (the event's fd is closed by its owner). Idempotent. */
  @Override
  public void close() {
    if (base != null) {
      LinuxC.munmap(base, mapLength);
      base = null;
    }
    // a ring over a plain buffer has nothing to release
  }
}
