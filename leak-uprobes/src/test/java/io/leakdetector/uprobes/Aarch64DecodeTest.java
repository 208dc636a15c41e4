package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.event.AllocationPairing;
import io.leakdetector.uprobes.event.EventBatch;
import io.leakdetector.uprobes.event.EventTable;
import io.leakdetector.uprobes.event.RecordDecoder;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.probe.AllocatorFunction.Kind;
import io.leakdetector.uprobes.testing.RecordingSink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Samples laid out byte by byte as an arm64 kernel writes them for the attrs the source opens on
 * aarch64 (entry: x0, x1, x2; return: x0; posix_memalign's return: x0, sp and a stack dump),
 * decoded with the source's own aarch64 layout and paired into heap events. The register numbers
 * themselves are checked against the arm64 headers by {@code Aarch64AbiTest}.
 */
class Aarch64DecodeTest {
  static final int PID = 5151;
  static final int TID = 5152;
  // sites, as PerThreadSource numbers them per libc
  static final int MALLOC = 0;
  static final int REALLOCARRAY = 1;
  static final int POSIX_MEMALIGN = 2;
  static final int FREE = 3;
  // aarch64 with 48-bit virtual addresses: a PIE's brk heap lies near 0xaaaa_…, mmap'd memory and
  // stacks near 0xffff_…, both above 2^47
  static final long HEAP = 0xaaaa_e000_1010L;
  static final long STACK = 0xffff_f7ff_e000L;

  final RecordDecoder.Layout layout = PerCpuReader.layout(CpuArch.AARCH64);
  EventTable table;
  RecordingSink sink;
  RecordDecoder decoder;
  AllocationPairing pairing;
  EventBatch batch;
  final Map<Long, Long> targetMemory = new HashMap<>();
  long time = 1_000_000;

  @BeforeEach
  void setUp() {
    table = new EventTable();
    // ids as PERF_EVENT_IOC_ID returns them: entry 10 + site, return 20 + site
    for (int site = 0; site < 4; site++) {
      table.add(10 + site, EventTable.ENTRY_PROBE, site, PID);
      if (site != FREE) {
        table.add(20 + site, EventTable.RETURN_PROBE, site, PID);
      }
    }
    sink = new RecordingSink(-1);
    decoder = new RecordDecoder(PID, table, layout, 64, RecordDecoder.Sideband.NONE);
    decoder.siteDumpsStack(new boolean[] {false, false, true, false});
    pairing =
        new AllocationPairing(
            sink, (address, fallback) -> targetMemory.getOrDefault(address, fallback), tid -> {});
    pairing.siteKinds(
        new Kind[] {Kind.SIZE_ARG0, Kind.REALLOCARRAY, Kind.POSIX_MEMALIGN, Kind.FREE});
    batch = new EventBatch(16);
    decoder.into(batch);
  }

  @Test
  void theAarch64LayoutIsX0ToX2AtEntryX0AtReturnAndSpAfterX0() {
    // entry mask bits 0, 1, 2 → slots 0, 1, 2; return mask bit 0; dump mask bits 0 and 31
    assertThat(layout).isEqualTo(new RecordDecoder.Layout(0, 1, 2, 3, 0, 1, 0, -1, 1, 2));
  }

  /** header, then IDENTIFIER, TID (pid, tid), TIME: the fields every probe sample starts with. */
  private ByteBuffer sample(long id, int size) {
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(PerfAbi.RECORD_SAMPLE).putShort((short) 0).putShort((short) size);
    b.putLong(id).putInt(PID).putInt(TID).putLong(time += 100);
    return b;
  }

  /** An entry sample: regs abi and x0, x1, x2 in ascending register order. */
  private void entry(int site, long x0, long x1, long x2) {
    ByteBuffer b = sample(10 + site, 8 + 24 + 8 + 3 * 8);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(x0).putLong(x1).putLong(x2);
    decoder.record(b, 0, b.capacity());
  }

  /** A return sample: callchain (a user-context marker, then the caller), regs abi, x0. */
  private void ret(int site, long caller, long x0) {
    ByteBuffer b = sample(20 + site, 8 + 24 + 8 + 2 * 8 + 8 + 8);
    b.putLong(2).putLong(PerfAbi.CONTEXT_USER).putLong(caller);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(x0);
    decoder.record(b, 0, b.capacity());
  }

  /**
   * posix_memalign's return: callchain, regs abi, x0 and sp (register 31 after register 0), then
   * {@code PERF_SAMPLE_STACK_USER}: u64 size, size bytes from sp, u64 dyn_size.
   */
  private void memalignReturn(long x0, long sp, byte[] stack, int dynSize) {
    ByteBuffer b = sample(20 + POSIX_MEMALIGN, 8 + 24 + 8 + 8 + 8 + 16 + 8 + stack.length + 8);
    b.putLong(1).putLong(0x4000_1234L);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(x0).putLong(sp);
    b.putLong(stack.length).put(stack).putLong(dynSize);
    decoder.record(b, 0, b.capacity());
  }

  private void pairAll() {
    for (int i = 0; i < batch.count(); i++) {
      pairing.process(batch, i);
    }
  }

  @Test
  void entryRegistersAreTheThreeArgumentsInOrder() {
    entry(REALLOCARRAY, 0xA0, 0xA1, 0xA2);
    assertThat(batch.count()).isEqualTo(1);
    assertThat(batch.type(0)).isEqualTo(EventBatch.ENTRY);
    assertThat(batch.tid(0)).isEqualTo(TID);
    assertThat(new long[] {batch.v0(0), batch.v1(0), batch.v2(0)})
        .containsExactly(0xA0, 0xA1, 0xA2);
  }

  @Test
  void mallocReallocarrayAndFreeBecomeHeapEvents() {
    entry(MALLOC, 48, 0, 0);
    ret(MALLOC, 0x4000_1000L, HEAP);
    entry(REALLOCARRAY, HEAP, 4, 32);
    ret(REALLOCARRAY, 0x4000_2000L, HEAP + 0x100);
    entry(MALLOC, 24, 0, 0);
    ret(MALLOC, 0x4000_3000L, HEAP + 0x200);
    entry(FREE, HEAP + 0x200, 0, 0);
    pairAll();
    assertThat(sink.live()).containsOnlyKeys(HEAP + 0x100);
    RecordingSink.Block block = sink.live().get(HEAP + 0x100);
    assertThat(block.size()).isEqualTo(4 * 32);
    assertThat(sink.stack(block.stack())).containsExactly(0x4000_2000L);
    assertThat(sink.reallocs).isEqualTo(1);
    assertThat(sink.frees).isEqualTo(1);
  }

  @Test
  void posixMemalignReadsThePointerFromTheDumpAtSp() {
    long memptr = STACK + 0x18;
    entry(POSIX_MEMALIGN, memptr, 64, 2048);
    byte[] stack = new byte[64];
    ByteBuffer.wrap(stack).order(ByteOrder.LITTLE_ENDIAN).putLong(0x18, HEAP + 0x40);
    // an int result in w0: AAPCS64 leaves x0's upper half unspecified
    memalignReturn(0x1234_5678_0000_0000L, STACK, stack, 32);
    assertThat(batch.v1(1)).isEqualTo(STACK);
    assertThat(batch.v2(1)).isEqualTo(32);
    assertThat(batch.v3(1)).isZero(); // no second result register on aarch64
    pairAll();
    assertThat(sink.live()).containsOnlyKeys(HEAP + 0x40);
    assertThat(sink.live().get(HEAP + 0x40).size()).isEqualTo(2048);
    assertThat(pairing.posixMemalignExact()).isEqualTo(1);
  }

  @Test
  void posixMemalignIntoTheHeapIsReadFromTheTargetAtAarch64Addresses() {
    long memptr = HEAP + 0x800; // &p in a heap block: not in the stack dump
    long pointer = 0xffff_a000_0040L; // an mmap'd aarch64 block, above 2^47
    targetMemory.put(memptr, pointer);
    entry(POSIX_MEMALIGN, memptr, 64, 300_000);
    memalignReturn(0, STACK, new byte[64], 64);
    pairAll();
    assertThat(sink.live()).containsOnlyKeys(pointer);
    // no second result register to confirm the value read with, so it counts as inexact
    assertThat(pairing.posixMemalignInexact()).isEqualTo(1);
    assertThat(pairing.posixMemalignUnresolved()).isZero();
  }

  @Test
  void withStackCopiesEveryReturnCarriesX0X29SpAndPcAndTheUnwinderGetsThem() {
    RecordDecoder.Layout unwinding = PerCpuReader.layout(CpuArch.AARCH64, true);
    // return mask bits 0 (x0), 29 (x29), 31 (sp), 32 (pc): slots 0, 1, 2, 3
    assertThat(unwinding).isEqualTo(new RecordDecoder.Layout(0, 1, 2, 3, 0, 1, 0, -1, 2, 4, 3, 1));
    long[] handed = new long[5];
    byte[][] stackHanded = new byte[1][];
    RecordDecoder d =
        new RecordDecoder(
            PID,
            table,
            unwinding,
            64,
            4096,
            1024,
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
              handed[0] = ip;
              handed[1] = sp;
              handed[2] = bp;
              handed[3] = stackAddress;
              handed[4] = chainLength;
              stackHanded[0] = new byte[stackLength];
              stack.get(stackOffset, stackHanded[0]);
              out[0] = ip;
              out[1] = 0x4000_9999L;
              return 2;
            },
            RecordDecoder.Sideband.NONE);
    d.siteDumpsStack(new boolean[] {false, false, true, false});
    d.into(batch);
    entry(MALLOC, 48, 0, 0);
    byte[] stack = new byte[32];
    stack[5] = 42;
    ByteBuffer b = sample(20 + MALLOC, 8 + 24 + 8 + 16 + 8 + 32 + 8 + stack.length + 8);
    b.putLong(2).putLong(PerfAbi.CONTEXT_USER).putLong(0x4000_1000L);
    b.putLong(PerfAbi.REGS_ABI_64).putLong(HEAP).putLong(STACK + 0x40).putLong(STACK);
    b.putLong(0x4000_1000L); // x0, x29, sp, pc
    b.putLong(stack.length).put(stack).putLong(stack.length);
    d.record(b, 0, b.capacity());
    assertThat(handed).containsExactly(0x4000_1000L, STACK, STACK + 0x40, STACK, 1);
    assertThat(stackHanded[0]).isEqualTo(stack);
    pairAll();
    assertThat(sink.live()).containsOnlyKeys(HEAP);
    assertThat(sink.stack(sink.live().get(HEAP).stack()))
        .containsExactly(0x4000_1000L, 0x4000_9999L);
  }
}
