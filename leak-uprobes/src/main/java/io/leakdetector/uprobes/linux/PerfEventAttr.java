package io.leakdetector.uprobes.linux;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@code struct perf_event_attr} (size {@link PerfAbi#ATTR_SIZE}) laid out byte by byte, with the
 * offsets of {@link PerfAbi}. Fields not set are zero.
 */
public final class PerfEventAttr {
  private final ByteBuffer bytes =
      ByteBuffer.allocate(PerfAbi.ATTR_SIZE).order(ByteOrder.nativeOrder());

  public PerfEventAttr() {
    bytes.putInt(PerfAbi.ATTR_SIZE_FIELD, PerfAbi.ATTR_SIZE);
  }

  public PerfEventAttr type(int type) {
    bytes.putInt(PerfAbi.ATTR_TYPE, type);
    return this;
  }

  public PerfEventAttr config(long config) {
    bytes.putLong(PerfAbi.ATTR_CONFIG, config);
    return this;
  }

  public PerfEventAttr samplePeriod(long period) {
    bytes.putLong(PerfAbi.ATTR_SAMPLE_PERIOD, period);
    return this;
  }

  public PerfEventAttr sampleType(long sampleType) {
    bytes.putLong(PerfAbi.ATTR_SAMPLE_TYPE, sampleType);
    return this;
  }

  /** Sets or clears one bit of the flags word ({@code PerfAbi.BIT_*}). */
  public PerfEventAttr flag(int bit, boolean on) {
    long flags = bytes.getLong(PerfAbi.ATTR_FLAGS);
    flags = on ? flags | (1L << bit) : flags & ~(1L << bit);
    bytes.putLong(PerfAbi.ATTR_FLAGS, flags);
    return this;
  }

  public PerfEventAttr wakeupWatermark(int bytesBeforeWakeup) {
    bytes.putInt(PerfAbi.ATTR_WAKEUP_WATERMARK, bytesBeforeWakeup);
    return this;
  }

  /** {@code config1}; for the uprobe PMU the address of the NUL-terminated path. */
  public PerfEventAttr config1(long value) {
    bytes.putLong(PerfAbi.ATTR_CONFIG1, value);
    return this;
  }

  /** {@code config2}; for the uprobe PMU the file offset of the probed instruction. */
  public PerfEventAttr config2(long value) {
    bytes.putLong(PerfAbi.ATTR_CONFIG2, value);
    return this;
  }

  public PerfEventAttr sampleRegsUser(long mask) {
    bytes.putLong(PerfAbi.ATTR_SAMPLE_REGS_USER, mask);
    return this;
  }

  public PerfEventAttr sampleStackUser(int size) {
    bytes.putInt(PerfAbi.ATTR_SAMPLE_STACK_USER, size);
    return this;
  }

  public PerfEventAttr clockid(int clockid) {
    bytes.putInt(PerfAbi.ATTR_CLOCKID, clockid);
    return this;
  }

  public PerfEventAttr sampleMaxStack(int frames) {
    bytes.putShort(PerfAbi.ATTR_SAMPLE_MAX_STACK, (short) frames);
    return this;
  }

  public long sampleType() {
    return bytes.getLong(PerfAbi.ATTR_SAMPLE_TYPE);
  }

  public long sampleRegsUser() {
    return bytes.getLong(PerfAbi.ATTR_SAMPLE_REGS_USER);
  }

  /** A copy of the 128 bytes. */
  public byte[] toBytes() {
    return bytes.array().clone();
  }

  /** Copies the bytes into native memory for the system call. */
  public Memory toNative() {
    Memory memory = new Memory(PerfAbi.ATTR_SIZE);
    memory.write(0, bytes.array(), 0, PerfAbi.ATTR_SIZE);
    return memory;
  }
}
