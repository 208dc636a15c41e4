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
  // with stack copies every return sample carries AX, DX, BP, SP, IP (perf registers 0, 3, 6, 7,
  // 8): result slot 0, second result 1, frame pointer 2, stack pointer 3, instruction pointer 4
  static final RecordDecoder.Layout UNWINDING =
      new RecordDecoder.Layout(2, 1, 0, 3, 0, 2, 0, 1, 3, 5, 4, 2);

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

  /** What the decoder handed to the {@link ReturnStacks}, copied. */
  record Handed(long ip, long sp, long bp, byte[] stack, long stackAddress, long[] chain) {}

  /** A decoder with stack copies whose unwinder records its input and returns {@code frames}. */
  RecordDecoder unwinding(int stackBytes, int keptDump, List<Handed> handed, long... frames) {
    RecordDecoder d =
        new RecordDecoder(
            PID,
            table,
            UNWINDING,
            64,
            stackBytes,
            keptDump,
            (ip,
                sp,
                bp,
                stack,
                stackOffset,
                stackLength,
                stackAddress,
                chain,
                chainLength,
                out) -> {
              byte[] copy = new byte[stackLength];
              stack.get(stackOffset, copy);
              handed.add(
                  new Handed(
                      ip, sp, bp, copy, stackAddress, java.util.Arrays.copyOf(chain, chainLength)));
              System.arraycopy(frames, 0, out, 0, frames.length);
              return frames.length;
            },
            RecordDecoder.Sideband.NONE);
    d.siteDumpsStack(new boolean[] {false, true});
    d.into(batch);
    return d;
  }

  /**
   * A return sample with stack copy: header, id, pid/tid, time; callchain; regs abi, AX, DX, BP,
   * SP, IP; {@code PERF_SAMPLE_STACK_USER}: u64 size, the bytes, u64 dyn_size.
   */
  static ByteBuffer unwindingReturn(long id, long[] chain, long[] regs, byte[] dump, long dynSize) {
    ByteBuffer b =
        record(PerfAbi.RECORD_SAMPLE, 8 + 24 + 8 + 8 * chain.length + 8 + 40 + 8 + dump.length + 8);
    b.putLong(id).putInt(PID).putInt(PID + 3).putLong(11_000L);
    b.putLong(chain.length);
    for (long f : chain) {
      b.putLong(f);
    }
    b.putLong(PerfAbi.REGS_ABI_64);
    for (long r : regs) {
      b.putLong(r);
    }
    b.putLong(dump.length).put(dump).putLong(dynSize);
    return b;
  }

  static byte[] counting(int length) {
    byte[] bytes = new byte[length];
    for (int k = 0; k < length; k++) {
      bytes[k] = (byte) (k * 7 + 1);
    }
    return bytes;
  }

  @Test
  void returnSampleHandsRegistersStackAndCallchainToTheUnwinderAndKeepsItsStack() {
    List<Handed> handed = new ArrayList<>();
    RecordDecoder d = unwinding(4096, 1024, handed, 0x401234, 0x7f0000105678L, 0x401500);
    byte[] dump = counting(512);
    ByteBuffer b =
        unwindingReturn(
            102,
            new long[] {PerfAbi.CONTEXT_USER, 0x401234, 0x401500},
            new long[] {0xAAAA, 0xDDDD, 0x7ffc_0000_1230L, 0x7ffc_0000_1000L, 0x401234},
            dump,
            384); // the stack ended 384 bytes above sp
    d.record(b, 0, b.capacity());
    assertThat(handed).hasSize(1);
    Handed h = handed.get(0);
    assertThat(h.ip()).isEqualTo(0x401234);
    assertThat(h.sp()).isEqualTo(0x7ffc_0000_1000L);
    assertThat(h.bp()).isEqualTo(0x7ffc_0000_1230L);
    assertThat(h.stackAddress()).isEqualTo(h.sp());
    assertThat(h.stack()).isEqualTo(java.util.Arrays.copyOf(dump, 384));
    assertThat(h.chain()).containsExactly(0x401234, 0x401500);
    assertThat(batch.count()).isEqualTo(1);
    assertThat(batch.type(0)).isEqualTo(EventBatch.RETURN);
    assertThat(batch.tid(0)).isEqualTo(PID + 3);
    assertThat(batch.v0(0)).isEqualTo(0xAAAA);
    assertThat(batch.aux(0)).as("malloc keeps no dump").isEqualTo(-1);
    assertThat(
            java.util.Arrays.copyOfRange(
                batch.frames(), batch.frameAt(0), batch.frameAt(0) + batch.frameCount(0)))
        .containsExactly(0x401234, 0x7f0000105678L, 0x401500);
    assertThat(d.stackCopyBytes()).isEqualTo(384);
  }

  @Test
  void posixMemalignsOneDumpServesTheUnwinderWholeAndThePairingUpToItsOwnSize() {
    List<Handed> handed = new ArrayList<>();
    RecordDecoder d = unwinding(2048, 64, handed, 0x401999);
    byte[] dump = counting(2048);
    ByteBuffer b =
        unwindingReturn(
            103,
            new long[] {PerfAbi.CONTEXT_USER, 0x401999},
            new long[] {0, 0x5555, 0x7ff0_0100L, 0x7ff0_0000L, 0x401999},
            dump,
            2048);
    d.record(b, 0, b.capacity());
    assertThat(handed).hasSize(1);
    assertThat(handed.get(0).stack()).isEqualTo(dump);
    assertThat(batch.v1(0)).isEqualTo(0x7ff0_0000L);
    assertThat(batch.v2(0)).as("bytes kept for reading *memptr").isEqualTo(64);
    assertThat(batch.v3(0)).isEqualTo(0x5555);
    assertThat(java.util.Arrays.copyOfRange(batch.dumps(), batch.aux(0), batch.aux(0) + 64))
        .isEqualTo(java.util.Arrays.copyOf(dump, 64));
    assertThat(batch.frames()[batch.frameAt(0)]).isEqualTo(0x401999);
  }

  @Test
  void aDumpLargerThanTheDecoderTakesIsHandedOnlyAsFarAsItTakes() {
    List<Handed> handed = new ArrayList<>();
    RecordDecoder d = unwinding(256, 64, handed, 1);
    byte[] dump = counting(512);
    ByteBuffer b =
        unwindingReturn(
            102, new long[] {0x401234}, new long[] {1, 2, 3, 0x7000, 0x401234}, dump, 512);
    d.record(b, 0, b.capacity());
    assertThat(handed.get(0).stack()).isEqualTo(java.util.Arrays.copyOf(dump, 256));
  }

  @Test
  void aReturnSampleWithoutStackBytesStillReachesTheUnwinder() {
    List<Handed> handed = new ArrayList<>();
    RecordDecoder d = unwinding(4096, 1024, handed, 0x401234);
    // sp pointed at no mapped memory: the kernel copied nothing (dyn_size 0)
    ByteBuffer empty =
        unwindingReturn(
            102, new long[] {0x401234}, new long[] {1, 2, 3, 0x10, 0x401234}, new byte[64], 0);
    d.record(empty, 0, empty.capacity());
    // a dump whose size word runs past the record's end is not read
    ByteBuffer broken =
        unwindingReturn(
            102, new long[] {0x401234}, new long[] {1, 2, 3, 0x7000, 0x401234}, new byte[64], 64);
    broken.putLong(8 + 24 + 8 + 8 + 8 + 40, 1 << 20);
    d.record(broken, 0, broken.capacity());
    assertThat(handed).hasSize(2);
    assertThat(handed.get(0).stack()).isEmpty();
    assertThat(handed.get(1).stack()).isEmpty();
    assertThat(batch.count()).isEqualTo(2);
    assertThat(batch.frameCount(1)).isEqualTo(1);
  }

  @Test
  void aReturnSampleCutBeforeItsRegistersIsCountedTruncated() {
    List<Handed> handed = new ArrayList<>();
    RecordDecoder d = unwinding(4096, 1024, handed, 0x401234);
    ByteBuffer b = record(PerfAbi.RECORD_SAMPLE, 8 + 24 + 16 + 8 + 24);
    b.putLong(102).putInt(PID).putInt(PID).putLong(1L);
    b.putLong(1).putLong(0x401234);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(1).putLong(2).putLong(3); // AX, DX, BP: no SP, IP
    d.record(b, 0, b.capacity());
    assertThat(handed).isEmpty();
    assertThat(batch.count()).isZero();
    assertThat(d.truncatedRecords()).isEqualTo(1);
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
