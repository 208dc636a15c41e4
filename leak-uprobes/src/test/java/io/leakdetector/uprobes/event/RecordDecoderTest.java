package io.leakdetector.uprobes.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.linux.PerfAbi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Records laid out byte by byte as the kernel writes them (perf_event.h) decode exactly. */
class RecordDecoderTest {
  static final int PID = 4242;
  // x86-64: entry regs DX, SI, DI (ascending perf register numbers); return AX, DX (+ SP)
  static final RecordDecoder.Layout LAYOUT = new RecordDecoder.Layout(2, 1, 0, 3, 0, 2, 0, 1, 2, 3);

  EventTable table;
  List<String> sideband;
  RecordDecoder decoder;
  EventBatch batch;

  @BeforeEach
  void setUp() {
    table = new EventTable();
    table.add(101, EventTable.ENTRY_PROBE, 0, PID);
    table.add(102, EventTable.RETURN_PROBE, 0, PID);
    table.add(103, EventTable.RETURN_PROBE, 1, PID);
    table.add(104, EventTable.SIDEBAND, -1, PID);
    sideband = new ArrayList<>();
    decoder =
        new RecordDecoder(
            PID,
            table,
            LAYOUT,
            64,
            new RecordDecoder.Sideband() {
              @Override
              public void threadCreated(int tid, long timeNanos) {
                sideband.add("fork " + tid + " " + timeNanos);
              }

              @Override
              public void moduleMapped(
                  long start,
                  long length,
                  long off,
                  long devMajor,
                  long devMinor,
                  long inode,
                  String path) {
                sideband.add(
                    "mmap "
                        + Long.toHexString(start)
                        + " "
                        + length
                        + " "
                        + off
                        + " "
                        + Long.toHexString(devMajor)
                        + ":"
                        + Long.toHexString(devMinor)
                        + " "
                        + inode
                        + " "
                        + path);
              }
            });
    decoder.siteDumpsStack(new boolean[] {false, true});
    batch = new EventBatch(8);
    decoder.into(batch);
  }

  static ByteBuffer record(int type, int size) {
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(type).putShort((short) 0).putShort((short) size);
    return b;
  }

  @Test
  void entrySample() {
    ByteBuffer b = record(PerfAbi.RECORD_SAMPLE, 8 + 8 + 8 + 8 + 8 + 24);
    b.putLong(101).putInt(PID).putInt(PID + 1).putLong(5_000_000L);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(0xD0).putLong(0x51).putLong(0xD1); // DX, SI, DI
    decoder.record(b, 0, b.capacity());
    assertThat(batch.count()).isEqualTo(1);
    assertThat(batch.type(0)).isEqualTo(EventBatch.ENTRY);
    assertThat(batch.tid(0)).isEqualTo(PID + 1);
    assertThat(batch.time(0)).isEqualTo(5_000_000L);
    assertThat(new long[] {batch.v0(0), batch.v1(0), batch.v2(0)})
        .containsExactly(0xD1, 0x51, 0xD0);
  }

  @Test
  void returnSampleWithCallchainMarkersStripped() {
    ByteBuffer b = record(PerfAbi.RECORD_SAMPLE, 8 + 24 + 8 + 3 * 8 + 8 + 16);
    b.putLong(102).putInt(PID).putInt(PID).putLong(7_000L);
    b.putLong(3).putLong(PerfAbi.CONTEXT_USER).putLong(0x401234).putLong(0x401500);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(0xAAAA).putLong(0xDDDD); // AX, DX
    decoder.record(b, 0, b.capacity());
    assertThat(batch.type(0)).isEqualTo(EventBatch.RETURN);
    assertThat(batch.v0(0)).isEqualTo(0xAAAA);
    assertThat(batch.frameCount(0)).isEqualTo(2);
    assertThat(batch.frames()[batch.frameAt(0)]).isEqualTo(0x401234);
    assertThat(batch.frames()[batch.frameAt(0) + 1]).isEqualTo(0x401500);
  }

  @Test
  void posixMemalignReturnKeepsTheStackDump() {
    int dump = 16;
    ByteBuffer b = record(PerfAbi.RECORD_SAMPLE, 8 + 24 + 8 + 8 + 8 + 24 + 8 + dump + 8);
    b.putLong(103).putInt(PID).putInt(PID).putLong(9_000L);
    b.putLong(1).putLong(0x401999);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(0).putLong(0x5555).putLong(0x7ff0); // AX, DX, SP
    b.putLong(dump);
    for (int k = 0; k < dump; k++) {
      b.put((byte) k);
    }
    b.putLong(12); // dyn_size: only 12 bytes were on the stack
    decoder.record(b, 0, b.capacity());
    assertThat(batch.v1(0)).isEqualTo(0x7ff0);
    assertThat(batch.v2(0)).isEqualTo(12);
    assertThat(batch.v3(0)).isEqualTo(0x5555);
    assertThat(batch.dumps()[batch.aux(0) + 11]).isEqualTo((byte) 11);
  }

  @Test
  void lostForkExitAndMmap2() {
    ByteBuffer lost = record(PerfAbi.RECORD_LOST, 8 + 16 + 24);
    lost.putLong(101).putLong(77).putInt(PID).putInt(PID).putLong(1_000L).putLong(101);
    decoder.record(lost, 0, lost.capacity());
    ByteBuffer fork = record(PerfAbi.RECORD_FORK, 8 + 24 + 24);
    fork.putInt(PID).putInt(PID).putInt(PID + 5).putInt(PID).putLong(2_000L);
    fork.putInt(PID).putInt(PID).putLong(2_000L).putLong(104);
    decoder.record(fork, 0, fork.capacity());
    ByteBuffer exit = record(PerfAbi.RECORD_EXIT, 8 + 24 + 24);
    exit.putInt(PID).putInt(PID).putInt(PID + 5).putInt(PID).putLong(3_000L);
    exit.putInt(PID).putInt(PID + 5).putLong(3_000L).putLong(104);
    decoder.record(exit, 0, exit.capacity());
    byte[] name =
        "/usr/lib/libc.so.6\0\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    ByteBuffer mmap = record(PerfAbi.RECORD_MMAP2, 8 + 64 + name.length + 24);
    mmap.putInt(PID).putInt(PID).putLong(0x7f0000001000L).putLong(0x2000).putLong(0x28000);
    mmap.putInt(8).putInt(1).putLong(12345).putLong(0).putInt(5).putInt(2).put(name);
    mmap.putInt(PID).putInt(PID).putLong(4_000L).putLong(104);
    decoder.record(mmap, 0, mmap.capacity());
    assertThat(batch.count()).isEqualTo(2);
    assertThat(batch.type(0)).isEqualTo(EventBatch.LOST);
    assertThat(batch.v0(0)).isEqualTo(77);
    assertThat(batch.time(0)).isEqualTo(1_000L);
    assertThat(batch.type(1)).isEqualTo(EventBatch.EXIT);
    assertThat(batch.tid(1)).isEqualTo(PID + 5);
    assertThat(sideband)
        .containsExactly(
            "fork " + (PID + 5) + " 2000",
            "mmap 7f0000001000 8192 163840 8:1 12345 /usr/lib/libc.so.6");
  }

  /**
   * {@code PERF_RECORD_MMAP2} after the header: u32 pid, tid; u64 addr, len, pgoff; u32 maj, min;
   * u64 ino, ino_generation; u32 prot, flags; the file name (NUL-padded to 8 bytes); the sample_id
   * trailer (pid, tid, time, id). {@code maj} and {@code min} are the kernel's MAJOR()/MINOR(),
   * printed in hex by /proc/PID/maps: device 259:65541 (nvme-like, a minor above 255) is {@code
   * 103:10005} there.
   */
  static ByteBuffer mmap2(int misc, int major, int minor, long inode, String path) {
    byte[] name = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int padded = (name.length + 1 + 7) & ~7;
    ByteBuffer b = ByteBuffer.allocate(8 + 64 + padded + 24).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(PerfAbi.RECORD_MMAP2).putShort((short) misc).putShort((short) b.capacity());
    b.putInt(PID).putInt(PID + 1).putLong(0x7f1234560000L).putLong(0x156000).putLong(0x26000);
    b.putInt(major).putInt(minor).putLong(inode).putLong(99).putInt(5).putInt(2);
    b.put(name).put(new byte[padded - name.length]);
    b.putInt(PID).putInt(PID + 1).putLong(7_000L).putLong(104);
    return b;
  }

  @Test
  void mmap2DeviceNumbersAreTheKernelsMajorAndMinorUnsigned() {
    ByteBuffer b = mmap2(0, 259, 65541, 339380, "/tmp/x/libc.so.6");
    decoder.record(b, 0, b.capacity());
    ByteBuffer high = mmap2(0, 0xfff, 0xfffff, -2L, "/b");
    decoder.record(high, 0, high.capacity());
    assertThat(sideband)
        .containsExactly(
            "mmap 7f1234560000 1400832 155648 103:10005 339380 /tmp/x/libc.so.6",
            "mmap 7f1234560000 1400832 155648 fff:fffff -2 /b");
    assertThat(batch.count()).isZero();
  }

  @Test
  void mmap2WithABuildIdHasNoDeviceOrInode() {
    // PERF_RECORD_MISC_MMAP_BUILD_ID: u8 size, 3 reserved, 20 bytes of build id instead
    ByteBuffer b = mmap2(PerfAbi.MISC_MMAP_BUILD_ID, 0x14abcdef, 0x01020304, 0x0506070809L, "/x");
    decoder.record(b, 0, b.capacity());
    assertThat(sideband).containsExactly("mmap 7f1234560000 1400832 155648 0:0 0 /x");
  }

  @Test
  void mmap2OfAnotherProcessIsIgnored() {
    ByteBuffer b = mmap2(0, 8, 1, 5, "/x");
    b.putInt(8, PID + 100);
    decoder.record(b, 0, b.capacity());
    assertThat(sideband).isEmpty();
  }

  @Test
  void recordsOfUnknownEventsAndOtherProcessesAreCounted() {
    ByteBuffer b = record(PerfAbi.RECORD_SAMPLE, 8 + 8 + 8 + 8 + 8 + 24);
    b.putLong(999).putInt(PID).putInt(PID).putLong(1L);
    decoder.record(b, 0, b.capacity());
    assertThat(batch.count()).isZero();
    assertThat(decoder.unknownRecords()).isEqualTo(1);
  }
}
