package io.leakdetector.uprobes.bpf;

import com.sun.jna.Pointer;
import io.leakdetector.uprobes.linux.LinuxC;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The reader's side of a {@code BPF_MAP_TYPE_RINGBUF}: the consumer position on a page mapped
 * read-write, the producer position and the data area (mapped twice in a row by the kernel, so a
 * record never wraps) mapped read-only. Records come out in the order they were reserved, across
 * all CPUs. A record whose length word still has the busy bit is being written: draining stops
 * there and resumes at the next drain.
 */
public final class BpfRingBuffer implements AutoCloseable {

  /** Receives one record; the buffer is only valid during the call. */
  @FunctionalInterface
  public interface RecordSink {
    /**
     * @param buffer the mapping, little-endian
     * @param offset where the record's data starts (after the 8-byte header)
     * @param length its length in bytes
     */
    void record(ByteBuffer buffer, int offset, int length);
  }

  static final int BUSY_BIT = 1 << 31;
  static final int DISCARD_BIT = 1 << 30;
  static final int HEADER_SIZE = 8;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle INTS =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  private final int size;
  private final int pageSize;
  private Pointer consumerPage;
  private Pointer producerPages;
  private final ByteBuffer consumer;
  private final ByteBuffer producer;
  private long consumerPosition;
  private boolean caughtUp;

  private BpfRingBuffer(
      int size,
      int pageSize,
      Pointer consumerPage,
      Pointer producerPages,
      ByteBuffer c,
      ByteBuffer p) {
    this.size = size;
    this.pageSize = pageSize;
    this.consumerPage = consumerPage;
    this.producerPages = producerPages;
    this.consumer = c.order(ByteOrder.nativeOrder());
    this.producer = p.order(ByteOrder.nativeOrder());
    this.consumerPosition = (long) LONGS.getAcquire(consumer, 0);
  }

  /** Maps ring buffer map {@code mapFd} of {@code size} data bytes. */
  public static BpfRingBuffer map(int mapFd, int size, int pageSize) {
    Pointer c =
        LinuxC.mmap(
            null, pageSize, LinuxC.PROT_READ | LinuxC.PROT_WRITE, LinuxC.MAP_SHARED, mapFd, 0);
    Pointer p;
    try {
      p =
          LinuxC.mmap(
              null, pageSize + 2L * size, LinuxC.PROT_READ, LinuxC.MAP_SHARED, mapFd, pageSize);
    } catch (RuntimeException e) {
      LinuxC.munmap(c, pageSize);
      throw e;
    }
    return new BpfRingBuffer(
        size,
        pageSize,
        c,
        p,
        c.getByteBuffer(0, pageSize),
        p.getByteBuffer(0, pageSize + 2L * size));
  }

  /**
   * A ring over direct buffers laid out like the mappings (a consumer page; a producer page
   * followed by the data area twice), for tests.
   */
  static BpfRingBuffer overBuffers(
      ByteBuffer consumerPage, ByteBuffer producerPages, int size, int pageSize) {
    return new BpfRingBuffer(size, pageSize, null, null, consumerPage, producerPages);
  }

  public int size() {
    return size;
  }

  /** Bytes reserved by producers and not yet consumed. */
  public long pending() {
    return (long) LONGS.getAcquire(producer, 0) - consumerPosition;
  }

  /**
   * Hands at most {@code maxRecords} committed records to {@code sink} in order, skips discarded
   * ones, and frees their space.
   *
   * @return how many records were consumed (discarded ones included); {@link #caughtUp()} says
   *     whether the drain reached the producer position it saw at its start
   */
  public int drain(RecordSink sink, int maxRecords) {
    return drain(sink, maxRecords, Long.MAX_VALUE);
  }

  /** The position after the last record reserved so far. */
  public long producerPosition() {
    return (long) LONGS.getAcquire(producer, 0);
  }

  /**
   * As {@link #drain(RecordSink, int)}, but only the records reserved before {@code limit} (a
   * {@link #producerPosition()} read earlier); {@link #caughtUp()} then says whether it got there.
   */
  public int drain(RecordSink sink, int maxRecords, long limit) {
    long producerPosition = Math.min(limit, (long) LONGS.getAcquire(producer, 0));
    long position = consumerPosition;
    boolean complete = true;
    int mask = size - 1;
    int count = 0;
    while (position < producerPosition) {
      if (count == maxRecords) {
        complete = false;
        break;
      }
      int at = pageSize + (int) (position & mask);
      int header = (int) INTS.getAcquire(producer, at);
      if ((header & BUSY_BIT) != 0) {
        complete = false;
        break;
      }
      count++;
      int length = header & ~(BUSY_BIT | DISCARD_BIT);
      if ((header & DISCARD_BIT) == 0) {
        sink.record(producer, at + HEADER_SIZE, length);
      }
      position += (length + HEADER_SIZE + 7) & ~7L;
      LONGS.setRelease(consumer, 0, position);
    }
    consumerPosition = position;
    caughtUp = complete;
    return count;
  }

  /** Whether the last drain read every record reserved before it started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** Unmaps the ring (the map's fd is closed by its owner). Idempotent. */
  @Override
  public void close() {
    if (consumerPage != null) {
      LinuxC.munmap(consumerPage, pageSize);
      LinuxC.munmap(producerPages, pageSize + 2L * size);
      consumerPage = null;
      producerPages = null;
    }
  }
}
