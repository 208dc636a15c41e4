package io.leakdetector.uprobes.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.testing.Aarch64Toolchain;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks {@link CpuArch#AARCH64} and every number of {@link PerfAbi} against the arm64 kernel uapi
 * headers and toolchain ({@code aarch64-linux-gnu-gcc}, Debian's cross compiler), on a machine that
 * is not aarch64: the Java values are written into a C file of {@code _Static_assert}s that is only
 * compiled, so a failing assertion names the value that differs; bit fields, which have no {@code
 * offsetof}, are compared as the bytes gcc lays out for aarch64; the breakpoint is compared with
 * what the aarch64 assembler makes of {@code brk #5}.
 */
class Aarch64AbiTest {
  @TempDir Path dir;

  private static final CpuArch A = CpuArch.AARCH64;

  /** PerfAbi field → the C expression the arm64 headers give for it. */
  private static final Map<String, String> PERF_ABI = new LinkedHashMap<>();

  static {
    String attr = "offsetof(struct perf_event_attr, %s)";
    String page = "offsetof(struct perf_event_mmap_page, %s)";
    PERF_ABI.put("ATTR_SIZE", "PERF_ATTR_SIZE_VER7");
    PERF_ABI.put("ATTR_TYPE", attr.formatted("type"));
    PERF_ABI.put("ATTR_SIZE_FIELD", attr.formatted("size"));
    PERF_ABI.put("ATTR_CONFIG", attr.formatted("config"));
    PERF_ABI.put("ATTR_SAMPLE_PERIOD", attr.formatted("sample_period"));
    PERF_ABI.put("ATTR_SAMPLE_TYPE", attr.formatted("sample_type"));
    PERF_ABI.put("ATTR_READ_FORMAT", attr.formatted("read_format"));
    PERF_ABI.put("ATTR_WAKEUP_WATERMARK", attr.formatted("wakeup_watermark"));
    PERF_ABI.put("ATTR_CONFIG1", attr.formatted("config1"));
    PERF_ABI.put("ATTR_CONFIG2", attr.formatted("config2"));
    PERF_ABI.put("ATTR_SAMPLE_REGS_USER", attr.formatted("sample_regs_user"));
    PERF_ABI.put("ATTR_SAMPLE_STACK_USER", attr.formatted("sample_stack_user"));
    PERF_ABI.put("ATTR_CLOCKID", attr.formatted("clockid"));
    PERF_ABI.put("ATTR_SAMPLE_MAX_STACK", attr.formatted("sample_max_stack"));
    PERF_ABI.put("TYPE_SOFTWARE", "PERF_TYPE_SOFTWARE");
    PERF_ABI.put("COUNT_SW_DUMMY", "PERF_COUNT_SW_DUMMY");
    PERF_ABI.put("SAMPLE_TID", "PERF_SAMPLE_TID");
    PERF_ABI.put("SAMPLE_TIME", "PERF_SAMPLE_TIME");
    PERF_ABI.put("SAMPLE_CALLCHAIN", "PERF_SAMPLE_CALLCHAIN");
    PERF_ABI.put("SAMPLE_REGS_USER", "PERF_SAMPLE_REGS_USER");
    PERF_ABI.put("SAMPLE_STACK_USER", "PERF_SAMPLE_STACK_USER");
    PERF_ABI.put("SAMPLE_IDENTIFIER", "PERF_SAMPLE_IDENTIFIER");
    PERF_ABI.put("REGS_ABI_64", "PERF_SAMPLE_REGS_ABI_64");
    PERF_ABI.put("RECORD_MMAP", "PERF_RECORD_MMAP");
    PERF_ABI.put("RECORD_LOST", "PERF_RECORD_LOST");
    PERF_ABI.put("RECORD_COMM", "PERF_RECORD_COMM");
    PERF_ABI.put("RECORD_EXIT", "PERF_RECORD_EXIT");
    PERF_ABI.put("RECORD_FORK", "PERF_RECORD_FORK");
    PERF_ABI.put("RECORD_SAMPLE", "PERF_RECORD_SAMPLE");
    PERF_ABI.put("RECORD_MMAP2", "PERF_RECORD_MMAP2");
    PERF_ABI.put("RECORD_LOST_SAMPLES", "PERF_RECORD_LOST_SAMPLES");
    PERF_ABI.put("MISC_MMAP_BUILD_ID", "PERF_RECORD_MISC_MMAP_BUILD_ID");
    PERF_ABI.put("CONTEXT_MAX", "PERF_CONTEXT_MAX");
    PERF_ABI.put("CONTEXT_USER", "PERF_CONTEXT_USER");
    PERF_ABI.put("IOC_ENABLE", "PERF_EVENT_IOC_ENABLE");
    PERF_ABI.put("IOC_DISABLE", "PERF_EVENT_IOC_DISABLE");
    PERF_ABI.put("IOC_SET_OUTPUT", "PERF_EVENT_IOC_SET_OUTPUT");
    PERF_ABI.put("IOC_ID", "PERF_EVENT_IOC_ID");
    PERF_ABI.put("IOC_SET_BPF", "PERF_EVENT_IOC_SET_BPF");
    PERF_ABI.put("FLAG_FD_CLOEXEC", "PERF_FLAG_FD_CLOEXEC");
    PERF_ABI.put("PAGE_DATA_HEAD", page.formatted("data_head"));
    PERF_ABI.put("PAGE_DATA_TAIL", page.formatted("data_tail"));
    PERF_ABI.put("PAGE_DATA_OFFSET", page.formatted("data_offset"));
    PERF_ABI.put("PAGE_DATA_SIZE", page.formatted("data_size"));
    PERF_ABI.put("CLOCK_MONOTONIC", "CLOCK_MONOTONIC");
  }

  /** PerfAbi bit number of a flag → the perf_event_attr bit field it names. */
  private static final Map<String, String> FLAG_BITS = new LinkedHashMap<>();

  static {
    FLAG_BITS.put("BIT_DISABLED", "disabled");
    FLAG_BITS.put("BIT_INHERIT", "inherit");
    FLAG_BITS.put("BIT_EXCLUDE_KERNEL", "exclude_kernel");
    FLAG_BITS.put("BIT_EXCLUDE_HV", "exclude_hv");
    FLAG_BITS.put("BIT_MMAP", "mmap");
    FLAG_BITS.put("BIT_COMM", "comm");
    FLAG_BITS.put("BIT_ENABLE_ON_EXEC", "enable_on_exec");
    FLAG_BITS.put("BIT_TASK", "task");
    FLAG_BITS.put("BIT_WATERMARK", "watermark");
    FLAG_BITS.put("BIT_SAMPLE_ID_ALL", "sample_id_all");
    FLAG_BITS.put("BIT_EXCLUDE_CALLCHAIN_KERNEL", "exclude_callchain_kernel");
    FLAG_BITS.put("BIT_MMAP2", "mmap2");
    FLAG_BITS.put("BIT_USE_CLOCKID", "use_clockid");
    FLAG_BITS.put("BIT_INHERIT_THREAD", "inherit_thread");
  }

  /**
   * The register masks as the headers give them: what the source needs sampled at an entry probe
   * (x0–x2: the first three integer arguments, AAPCS64), at a return probe (x0: the result) and at
   * posix_memalign's return (the result and sp, for the stack dump), and at every return with stack
   * copies for the unwinder (also the frame pointer x29 and pc).
   */
  private static final String C_PRELUDE =
      """
      #if !defined(__aarch64__) || !defined(__LP64__) \\
          || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
      #error "not a little-endian LP64 aarch64 target: the Java side reads records little-endian"
      #endif
      #include <asm/perf_regs.h>
      #include <asm/unistd.h>
      #include <linux/perf_event.h>
      #include <stddef.h>
      #include <time.h>
      #define ENTRY_MASK ((1ULL << PERF_REG_ARM64_X0) | (1ULL << PERF_REG_ARM64_X1) \\
          | (1ULL << PERF_REG_ARM64_X2))
      #define RETURN_MASK (1ULL << PERF_REG_ARM64_X0)
      #define DUMP_MASK (RETURN_MASK | (1ULL << PERF_REG_ARM64_SP))
      #define UNWIND_MASK (DUMP_MASK | (1ULL << PERF_REG_ARM64_X29) | (1ULL << PERF_REG_ARM64_PC))
      /* the kernel writes the sampled registers in ascending register number */
      #define SLOT(mask, reg) __builtin_popcountll((mask) & ((1ULL << (reg)) - 1))
      """;

  private record Check(String java, long value, String c) {}

  @BeforeEach
  void toolchain() {
    Aarch64Toolchain.require();
  }

  private static long perfAbi(String name) throws ReflectiveOperationException {
    return ((Number) PerfAbi.class.getField(name).get(null)).longValue();
  }

  private static List<Check> checks() throws ReflectiveOperationException {
    List<Check> checks = new ArrayList<>();
    checks.add(
        new Check("CpuArch.AARCH64.perfEventOpen()", A.perfEventOpen(), "__NR_perf_event_open"));
    checks.add(new Check("CpuArch.AARCH64.pidfdOpen()", A.pidfdOpen(), "__NR_pidfd_open"));
    checks.add(
        new Check("CpuArch.AARCH64.processVmReadv()", A.processVmReadv(), "__NR_process_vm_readv"));
    checks.add(new Check("CpuArch.AARCH64.arg0()", A.arg0(), "PERF_REG_ARM64_X0"));
    checks.add(new Check("CpuArch.AARCH64.arg1()", A.arg1(), "PERF_REG_ARM64_X1"));
    checks.add(new Check("CpuArch.AARCH64.arg2()", A.arg2(), "PERF_REG_ARM64_X2"));
    checks.add(new Check("CpuArch.AARCH64.result()", A.result(), "PERF_REG_ARM64_X0"));
    checks.add(new Check("CpuArch.AARCH64.stackPointer()", A.stackPointer(), "PERF_REG_ARM64_SP"));
    checks.add(new Check("CpuArch.AARCH64.framePointer()", A.framePointer(), "PERF_REG_ARM64_X29"));
    checks.add(
        new Check(
            "CpuArch.AARCH64.instructionPointer()", A.instructionPointer(), "PERF_REG_ARM64_PC"));
    long entry = A.entryRegsMask();
    long ret = A.returnRegsMask();
    long dump = ret | (1L << A.stackPointer());
    long unwind = A.dumpRegsMask(true);
    checks.add(
        new Check("CpuArch.AARCH64.dumpRegsMask(false)", A.dumpRegsMask(false), "DUMP_MASK"));
    checks.add(new Check("CpuArch.AARCH64.dumpRegsMask(true)", unwind, "UNWIND_MASK"));
    checks.add(
        new Check(
            "return mask with stack copies outside PERF_REG_ARM64_MAX",
            0,
            "(0x%sULL & ~((1ULL << PERF_REG_ARM64_MAX) - 1))".formatted(Long.toHexString(unwind))));
    checks.add(
        new Check(
            "registers in a return sample with stack copies",
            Long.bitCount(unwind),
            "__builtin_popcountll(UNWIND_MASK)"));
    checks.add(
        new Check(
            "slotOf(unwind mask, result)",
            CpuArch.slotOf(unwind, A.result()),
            "SLOT(UNWIND_MASK, PERF_REG_ARM64_X0)"));
    checks.add(
        new Check(
            "slotOf(unwind mask, framePointer)",
            CpuArch.slotOf(unwind, A.framePointer()),
            "SLOT(UNWIND_MASK, PERF_REG_ARM64_X29)"));
    checks.add(
        new Check(
            "slotOf(unwind mask, stackPointer)",
            CpuArch.slotOf(unwind, A.stackPointer()),
            "SLOT(UNWIND_MASK, PERF_REG_ARM64_SP)"));
    checks.add(
        new Check(
            "slotOf(unwind mask, instructionPointer)",
            CpuArch.slotOf(unwind, A.instructionPointer()),
            "SLOT(UNWIND_MASK, PERF_REG_ARM64_PC)"));
    checks.add(new Check("CpuArch.AARCH64.entryRegsMask()", entry, "ENTRY_MASK"));
    checks.add(new Check("CpuArch.AARCH64.returnRegsMask()", ret, "RETURN_MASK"));
    checks.add(
        new Check("posix_memalign return mask (return | 1 << stackPointer)", dump, "DUMP_MASK"));
    // arch/arm64/kernel/perf_regs.c (not uapi): perf_reg_validate rejects any bit at or above
    // PERF_REG_ARM64_MAX (but VG with SVE), so perf_event_open would fail with EINVAL
    checks.add(
        new Check(
            "entry and posix_memalign masks outside PERF_REG_ARM64_MAX",
            0,
            "(0x%sULL & ~((1ULL << PERF_REG_ARM64_MAX) - 1))"
                .formatted(Long.toHexString(entry | dump))));
    checks.add(
        new Check(
            "registers in an entry sample",
            Long.bitCount(entry),
            "__builtin_popcountll(ENTRY_MASK)"));
    checks.add(
        new Check(
            "registers in a return sample",
            Long.bitCount(ret),
            "__builtin_popcountll(RETURN_MASK)"));
    checks.add(
        new Check(
            "registers in a posix_memalign return sample",
            Long.bitCount(dump),
            "__builtin_popcountll(DUMP_MASK)"));
    checks.add(
        new Check(
            "slotOf(entryRegsMask, arg0)",
            CpuArch.slotOf(entry, A.arg0()),
            "SLOT(ENTRY_MASK, PERF_REG_ARM64_X0)"));
    checks.add(
        new Check(
            "slotOf(entryRegsMask, arg1)",
            CpuArch.slotOf(entry, A.arg1()),
            "SLOT(ENTRY_MASK, PERF_REG_ARM64_X1)"));
    checks.add(
        new Check(
            "slotOf(entryRegsMask, arg2)",
            CpuArch.slotOf(entry, A.arg2()),
            "SLOT(ENTRY_MASK, PERF_REG_ARM64_X2)"));
    checks.add(
        new Check(
            "slotOf(returnRegsMask, result)",
            CpuArch.slotOf(ret, A.result()),
            "SLOT(RETURN_MASK, PERF_REG_ARM64_X0)"));
    checks.add(
        new Check(
            "slotOf(dump mask, result)",
            CpuArch.slotOf(dump, A.result()),
            "SLOT(DUMP_MASK, PERF_REG_ARM64_X0)"));
    checks.add(
        new Check(
            "slotOf(dump mask, stackPointer)",
            CpuArch.slotOf(dump, A.stackPointer()),
            "SLOT(DUMP_MASK, PERF_REG_ARM64_SP)"));
    for (Map.Entry<String, String> e : PERF_ABI.entrySet()) {
      checks.add(new Check("PerfAbi." + e.getKey(), perfAbi(e.getKey()), e.getValue()));
    }
    // the record header RecordDecoder and PerfRing read: u32 type, u16 misc, u16 size
    checks.add(new Check("record header size", 8, "sizeof(struct perf_event_header)"));
    checks.add(
        new Check("record header type offset", 0, "offsetof(struct perf_event_header, type)"));
    checks.add(
        new Check("record header misc offset", 4, "offsetof(struct perf_event_header, misc)"));
    checks.add(
        new Check("record header size offset", 6, "offsetof(struct perf_event_header, size)"));
    checks.add(
        new Check(
            "PerfAbi.ATTR_SIZE fits the struct",
            1,
            "sizeof(struct perf_event_attr) >= PERF_ATTR_SIZE_VER7"));
    return checks;
  }

  private static String staticAsserts(List<Check> checks) {
    StringBuilder c = new StringBuilder(C_PRELUDE);
    for (Check k : checks) {
      c.append(
          String.format(
              "_Static_assert((long long) (%s) == (long long) 0x%sULL,"
                  + " \"%s is %d, the arm64 headers say otherwise: %s\");%n",
              k.c(), Long.toHexString(k.value()), k.java(), k.value(), k.c()));
    }
    return c.toString();
  }

  private Path compile(String name, String code) throws Exception {
    Path source = dir.resolve(name + ".c");
    Files.writeString(source, code);
    Path object = dir.resolve(name + ".o");
    Aarch64Toolchain.Result r =
        Aarch64Toolchain.run(
            "gcc",
            "-std=gnu11",
            "-O0",
            "-Wall",
            "-Werror",
            "-c",
            "-o",
            object.toString(),
            source.toString());
    String errors =
        r.output().lines().filter(l -> l.contains("error")).collect(Collectors.joining("\n"));
    assertThat(r.exitCode())
        .as("aarch64-linux-gnu-gcc -c %s:\n%s", source, errors.isEmpty() ? r.output() : errors)
        .isZero();
    return object;
  }

  @Test
  void cpuArchAndPerfAbiNumbersMatchTheArm64Headers() throws Exception {
    compile("aarch64_abi", staticAsserts(checks()));
  }

  @Test
  void everyPerfAbiNumberIsChecked() {
    TreeSet<String> declared = new TreeSet<>();
    for (Field f : PerfAbi.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        declared.add(f.getName());
      }
    }
    TreeSet<String> checked = new TreeSet<>(PERF_ABI.keySet());
    checked.addAll(FLAG_BITS.keySet());
    checked.add("ATTR_FLAGS"); // the word every flag attr below is compared in
    assertThat(checked).isEqualTo(declared);
  }

  @Test
  void aarch64ReturnsAPointerInX0Only() {
    // AAPCS64: a pointer result is x0; x1 holds nothing posix_memalign leaves for us, so there
    // is no second result register to sample (x86-64's %rdx), and the decode layout has none
    assertThat(A.result2()).isNegative();
    assertThat(A.returnRegsMask()).isEqualTo(1L << A.result());
  }

  /**
   * One attr per flag (with {@code size} set, as {@link PerfEventAttr} always writes it), then one
   * with every field the source sets, in a section of their own: gcc's aarch64 layout byte for byte
   * against {@link PerfEventAttr}.
   */
  @Test
  void attrBytesMatchTheStructTheArm64CompilerLaysOut() throws Exception {
    StringBuilder c = new StringBuilder(C_PRELUDE);
    List<String> names = new ArrayList<>();
    List<byte[]> expected = new ArrayList<>();
    c.append(
        "struct leakabi { unsigned long long size; struct perf_event_attr attr[%d]; };\n"
            .formatted(FLAG_BITS.size() + 1));
    c.append("__attribute__((used, section(\".leakabi\"))) const struct leakabi leakabi = {\n");
    c.append("  sizeof(struct perf_event_attr), {\n");
    for (Map.Entry<String, String> e : FLAG_BITS.entrySet()) {
      c.append("    { .size = PERF_ATTR_SIZE_VER7, .%s = 1 },\n".formatted(e.getValue()));
      names.add("PerfAbi." + e.getKey() + " (" + e.getValue() + ")");
      expected.add(new PerfEventAttr().flag((int) perfAbi(e.getKey()), true).toBytes());
    }
    c.append(
        """
            { .type = 8, .size = PERF_ATTR_SIZE_VER7, .config = 1, .sample_period = 1,
              .sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME
                  | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
              .disabled = 1, .inherit = 1, .exclude_kernel = 1, .exclude_hv = 1, .mmap = 1,
              .comm = 1, .enable_on_exec = 1, .task = 1, .watermark = 1, .sample_id_all = 1,
              .exclude_callchain_kernel = 1, .mmap2 = 1, .use_clockid = 1, .inherit_thread = 1,
              .wakeup_watermark = 1048576, .config1 = 0x1122334455667788ULL, .config2 = 0x99610,
              .sample_regs_user = DUMP_MASK, .sample_stack_user = 1024,
              .clockid = CLOCK_MONOTONIC, .sample_max_stack = 64 },
          } };
        """);
    PerfEventAttr all =
        new PerfEventAttr()
            .type(8)
            .config(1)
            .samplePeriod(1)
            .sampleType(
                PerfAbi.SAMPLE_IDENTIFIER
                    | PerfAbi.SAMPLE_TID
                    | PerfAbi.SAMPLE_TIME
                    | PerfAbi.SAMPLE_CALLCHAIN
                    | PerfAbi.SAMPLE_REGS_USER
                    | PerfAbi.SAMPLE_STACK_USER)
            .wakeupWatermark(1048576)
            .config1(0x1122334455667788L)
            .config2(0x99610)
            .sampleRegsUser(A.returnRegsMask() | 1L << A.stackPointer())
            .sampleStackUser(1024)
            .clockid(PerfAbi.CLOCK_MONOTONIC)
            .sampleMaxStack(64);
    for (String bit : FLAG_BITS.keySet()) {
      all.flag((int) perfAbi(bit), true);
    }
    names.add("every field the source sets");
    expected.add(all.toBytes());

    Path object = compile("aarch64_attr", c.toString());
    ByteBuffer bytes =
        ByteBuffer.wrap(Aarch64Toolchain.section(object, ".leakabi", dir))
            .order(ByteOrder.LITTLE_ENDIAN);
    int size = (int) bytes.getLong(0);
    assertThat(size).isGreaterThanOrEqualTo(PerfAbi.ATTR_SIZE);
    assertThat(bytes.capacity()).isEqualTo(8 + size * expected.size());
    HexFormat hex = HexFormat.of();
    for (int k = 0; k < expected.size(); k++) {
      byte[] gcc = Arrays.copyOfRange(bytes.array(), 8 + k * size, 8 + (k + 1) * size);
      assertThat(hex.formatHex(gcc, 0, PerfAbi.ATTR_SIZE))
          .as(names.get(k))
          .isEqualTo(hex.formatHex(expected.get(k)));
      assertThat(Arrays.copyOfRange(gcc, PerfAbi.ATTR_SIZE, size))
          .as("%s: nothing beyond PERF_ATTR_SIZE_VER7", names.get(k))
          .isEqualTo(new byte[size - PerfAbi.ATTR_SIZE]);
    }
  }

  /**
   * The kernel writes {@code UPROBE_SWBP_INSN} at a probed address; on arm64 that is {@code
   * BRK64_OPCODE_UPROBES} (arch/arm64/include/asm/uprobes.h, stored little-endian), defined in
   * arch/arm64/include/asm/debug-monitors.h (not uapi) as the BRK instruction with immediate {@code
   * UPROBES_BRK_IMM} = 5: {@code brk #5}.
   */
  @Test
  void uprobeBreakpointIsWhatTheAarch64AssemblerMakesOfBrk5() throws Exception {
    Path source = dir.resolve("brk.s");
    Files.writeString(source, "\t.text\n\tbrk #5\n");
    Path object = dir.resolve("brk.o");
    Aarch64Toolchain.runOrFail("as", "-o", object.toString(), source.toString());
    byte[] text = Aarch64Toolchain.section(object, ".text", dir);
    assertThat(HexFormat.of().formatHex(A.uprobeBreakpoint()))
        .isEqualTo(HexFormat.of().formatHex(text))
        .isEqualTo("a00020d4");
  }
}
