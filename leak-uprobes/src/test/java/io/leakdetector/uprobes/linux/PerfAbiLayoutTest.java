package io.leakdetector.uprobes.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.uprobes.testing.CCompiler;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every number of {@link PerfAbi} and {@link CpuArch#X86_64}, and the bytes {@link
 * PerfEventAttr} writes, against the kernel's uapi headers compiled with gcc.
 */
class PerfAbiLayoutTest {
  @TempDir Path dir;

  private static final String[][] OFFSETS = {
    {"ATTR_TYPE", "type"},
    {"ATTR_SIZE_FIELD", "size"},
    {"ATTR_CONFIG", "config"},
    {"ATTR_SAMPLE_PERIOD", "sample_period"},
    {"ATTR_SAMPLE_TYPE", "sample_type"},
    {"ATTR_READ_FORMAT", "read_format"},
    {"ATTR_WAKEUP_WATERMARK", "wakeup_watermark"},
    {"ATTR_CONFIG1", "config1"},
    {"ATTR_CONFIG2", "config2"},
    {"ATTR_SAMPLE_REGS_USER", "sample_regs_user"},
    {"ATTR_SAMPLE_STACK_USER", "sample_stack_user"},
    {"ATTR_CLOCKID", "clockid"},
    {"ATTR_SAMPLE_MAX_STACK", "sample_max_stack"},
  };

  private static final String[][] BITS = {
    {"BIT_DISABLED", "disabled"},
    {"BIT_INHERIT", "inherit"},
    {"BIT_EXCLUDE_KERNEL", "exclude_kernel"},
    {"BIT_EXCLUDE_HV", "exclude_hv"},
    {"BIT_MMAP", "mmap"},
    {"BIT_COMM", "comm"},
    {"BIT_ENABLE_ON_EXEC", "enable_on_exec"},
    {"BIT_TASK", "task"},
    {"BIT_WATERMARK", "watermark"},
    {"BIT_SAMPLE_ID_ALL", "sample_id_all"},
    {"BIT_EXCLUDE_CALLCHAIN_KERNEL", "exclude_callchain_kernel"},
    {"BIT_MMAP2", "mmap2"},
    {"BIT_USE_CLOCKID", "use_clockid"},
    {"BIT_INHERIT_THREAD", "inherit_thread"},
  };

  private static final String[][] CONSTANTS = {
    {"ATTR_SIZE", "PERF_ATTR_SIZE_VER7"},
    {"TYPE_SOFTWARE", "PERF_TYPE_SOFTWARE"},
    {"COUNT_SW_DUMMY", "PERF_COUNT_SW_DUMMY"},
    {"SAMPLE_TID", "PERF_SAMPLE_TID"},
    {"SAMPLE_TIME", "PERF_SAMPLE_TIME"},
    {"SAMPLE_CALLCHAIN", "PERF_SAMPLE_CALLCHAIN"},
    {"SAMPLE_REGS_USER", "PERF_SAMPLE_REGS_USER"},
    {"SAMPLE_STACK_USER", "PERF_SAMPLE_STACK_USER"},
    {"SAMPLE_IDENTIFIER", "PERF_SAMPLE_IDENTIFIER"},
    {"REGS_ABI_64", "PERF_SAMPLE_REGS_ABI_64"},
    {"RECORD_MMAP", "PERF_RECORD_MMAP"},
    {"RECORD_LOST", "PERF_RECORD_LOST"},
    {"RECORD_COMM", "PERF_RECORD_COMM"},
    {"RECORD_EXIT", "PERF_RECORD_EXIT"},
    {"RECORD_FORK", "PERF_RECORD_FORK"},
    {"RECORD_SAMPLE", "PERF_RECORD_SAMPLE"},
    {"RECORD_MMAP2", "PERF_RECORD_MMAP2"},
    {"RECORD_LOST_SAMPLES", "PERF_RECORD_LOST_SAMPLES"},
    {"MISC_MMAP_BUILD_ID", "PERF_RECORD_MISC_MMAP_BUILD_ID"},
    {"CONTEXT_MAX", "PERF_CONTEXT_MAX"},
    {"CONTEXT_USER", "PERF_CONTEXT_USER"},
    {"IOC_ENABLE", "PERF_EVENT_IOC_ENABLE"},
    {"IOC_DISABLE", "PERF_EVENT_IOC_DISABLE"},
    {"IOC_SET_OUTPUT", "PERF_EVENT_IOC_SET_OUTPUT"},
    {"IOC_ID", "PERF_EVENT_IOC_ID"},
    {"IOC_SET_BPF", "PERF_EVENT_IOC_SET_BPF"},
    {"FLAG_FD_CLOEXEC", "PERF_FLAG_FD_CLOEXEC"},
    {"CLOCK_MONOTONIC", "CLOCK_MONOTONIC"},
  };

  private static final String[][] PAGE = {
    {"PAGE_DATA_HEAD", "data_head"},
    {"PAGE_DATA_TAIL", "data_tail"},
    {"PAGE_DATA_OFFSET", "data_offset"},
    {"PAGE_DATA_SIZE", "data_size"},
  };

  private static final String PRELUDE =
      """
      #include <linux/perf_event.h>
      #include <asm/perf_regs.h>
      #include <sys/syscall.h>
      #include <stddef.h>
      #include <stdint.h>
      #include <stdio.h>
      #include <string.h>
      #include <time.h>
      static int flags_offset = -1;
      static void bit(const char *name, struct perf_event_attr *a) {
        const unsigned char *b = (const unsigned char *) a;
        int first = -1;
        for (int i = 0; i < (int) sizeof *a; i++) if (b[i]) { first = i; break; }
        uint64_t w; memcpy(&w, b + (first & ~7), 8);
        if (__builtin_popcountll(w) != 1) { printf("MULTI %s\\n", name); return; }
        printf("%s %d\\n", name, __builtin_ctzll(w));
        if (flags_offset == -1) flags_offset = first & ~7;
        else if (flags_offset != (first & ~7)) printf("FLAGS_MOVED %s\\n", name);
      }
      int main(void) {
        struct perf_event_attr a;
      """;

  private Map<String, Long> fromC() throws Exception {
    StringBuilder c = new StringBuilder(PRELUDE);
    for (String[] o : OFFSETS) {
      c.append(
          "  printf(\"%s %%zu\\n\", offsetof(struct perf_event_attr, %s));\n"
              .formatted(o[0], o[1]));
    }
    for (String[] b : BITS) {
      c.append("  memset(&a, 0, sizeof a); a.%s = 1; bit(\"%s\", &a);\n".formatted(b[1], b[0]));
    }
    c.append("  printf(\"ATTR_FLAGS %d\\n\", flags_offset);\n");
    for (String[] k : CONSTANTS) {
      c.append("  printf(\"%s %%lld\\n\", (long long) (%s));\n".formatted(k[0], k[1]));
    }
    for (String[] p : PAGE) {
      c.append(
          "  printf(\"%s %%zu\\n\", offsetof(struct perf_event_mmap_page, %s));\n"
              .formatted(p[0], p[1]));
    }
    c.append(
        """
          printf("SIZEOF_ATTR_AT_LEAST_VER7 %d\\n", (int) (sizeof(struct perf_event_attr) >= PERF_ATTR_SIZE_VER7));
          printf("x86.perfEventOpen %d\\n", SYS_perf_event_open);
          printf("x86.pidfdOpen %d\\n", SYS_pidfd_open);
          printf("x86.processVmReadv %d\\n", SYS_process_vm_readv);
          printf("x86.arg0 %d\\n", PERF_REG_X86_DI);
          printf("x86.arg1 %d\\n", PERF_REG_X86_SI);
          printf("x86.arg2 %d\\n", PERF_REG_X86_DX);
          printf("x86.result %d\\n", PERF_REG_X86_AX);
          printf("x86.result2 %d\\n", PERF_REG_X86_DX);
          printf("x86.stackPointer %d\\n", PERF_REG_X86_SP);
          printf("x86.framePointer %d\\n", PERF_REG_X86_BP);
          printf("x86.instructionPointer %d\\n", PERF_REG_X86_IP);
          unsigned long long ret = (1ULL << PERF_REG_X86_AX) | (1ULL << PERF_REG_X86_DX);
          unsigned long long dump = ret | (1ULL << PERF_REG_X86_SP);
          unsigned long long unwind = dump | (1ULL << PERF_REG_X86_BP) | (1ULL << PERF_REG_X86_IP);
          printf("x86.returnRegsMask %lld\\n", (long long) ret);
          printf("x86.dumpRegsMask %lld\\n", (long long) dump);
          printf("x86.unwindRegsMask %lld\\n", (long long) unwind);
          /* the kernel rejects a mask with bits at or above PERF_REG_X86_64_MAX (EINVAL) */
          printf("x86.unwindRegsMaskBeyondMax %lld\\n",
              (long long) (unwind & ~((1ULL << PERF_REG_X86_64_MAX) - 1)));
          /* the kernel writes the sampled registers in ascending register number */
          #define SLOT(mask, reg) __builtin_popcountll((mask) & ((1ULL << (reg)) - 1))
          printf("x86.unwind.resultSlot %d\\n", SLOT(unwind, PERF_REG_X86_AX));
          printf("x86.unwind.result2Slot %d\\n", SLOT(unwind, PERF_REG_X86_DX));
          printf("x86.unwind.bpSlot %d\\n", SLOT(unwind, PERF_REG_X86_BP));
          printf("x86.unwind.spSlot %d\\n", SLOT(unwind, PERF_REG_X86_SP));
          printf("x86.unwind.ipSlot %d\\n", SLOT(unwind, PERF_REG_X86_IP));
          printf("x86.unwind.count %d\\n", __builtin_popcountll(unwind));
          return 0;
        }
        """);
    Path program = CCompiler.compileSource(dir, "abi", c.toString(), "-O0");
    Map<String, Long> values = new TreeMap<>();
    for (String line : CCompiler.run(program).split("\n")) {
      String[] parts = line.trim().split(" ");
      values.put(parts[0], parts.length > 1 ? Long.parseLong(parts[1]) : null);
    }
    return values;
  }

  private static Map<String, Long> fromJava() throws IllegalAccessException {
    Map<String, Long> values = new TreeMap<>();
    for (Field f : PerfAbi.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        values.put(f.getName(), ((Number) f.get(null)).longValue());
      }
    }
    values.put("SIZEOF_ATTR_AT_LEAST_VER7", 1L);
    CpuArch x = CpuArch.X86_64;
    values.put("x86.perfEventOpen", x.perfEventOpen());
    values.put("x86.pidfdOpen", x.pidfdOpen());
    values.put("x86.processVmReadv", x.processVmReadv());
    values.put("x86.arg0", (long) x.arg0());
    values.put("x86.arg1", (long) x.arg1());
    values.put("x86.arg2", (long) x.arg2());
    values.put("x86.result", (long) x.result());
    values.put("x86.result2", (long) x.result2());
    values.put("x86.stackPointer", (long) x.stackPointer());
    values.put("x86.framePointer", (long) x.framePointer());
    values.put("x86.instructionPointer", (long) x.instructionPointer());
    long unwind = x.dumpRegsMask(true);
    values.put("x86.returnRegsMask", x.returnRegsMask());
    values.put("x86.dumpRegsMask", x.dumpRegsMask(false));
    values.put("x86.unwindRegsMask", unwind);
    values.put("x86.unwindRegsMaskBeyondMax", 0L);
    values.put("x86.unwind.resultSlot", (long) CpuArch.slotOf(unwind, x.result()));
    values.put("x86.unwind.result2Slot", (long) CpuArch.slotOf(unwind, x.result2()));
    values.put("x86.unwind.bpSlot", (long) CpuArch.slotOf(unwind, x.framePointer()));
    values.put("x86.unwind.spSlot", (long) CpuArch.slotOf(unwind, x.stackPointer()));
    values.put("x86.unwind.ipSlot", (long) CpuArch.slotOf(unwind, x.instructionPointer()));
    values.put("x86.unwind.count", (long) Long.bitCount(unwind));
    return values;
  }

  @Test
  void everyNumberMatchesTheUapiHeader() throws Exception {
    Map<String, Long> c = fromC();
    Map<String, Long> java = fromJava();
    assertThat(java).isEqualTo(c);
  }

  @Test
  void attrBytesMatchTheStructGccBuilds() throws Exception {
    String code =
        """
        #include <linux/perf_event.h>
        #include <stdio.h>
        #include <string.h>
        #include <time.h>
        int main(void) {
          struct perf_event_attr a;
          memset(&a, 0, sizeof a);
          a.type = 8; a.size = PERF_ATTR_SIZE_VER7; a.config = 1; a.sample_period = 1;
          a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME
              | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
          a.disabled = 1; a.inherit = 1; a.exclude_kernel = 1; a.exclude_hv = 1; a.mmap = 1;
          a.comm = 1; a.enable_on_exec = 1; a.task = 1; a.watermark = 1; a.sample_id_all = 1;
          a.exclude_callchain_kernel = 1; a.mmap2 = 1; a.use_clockid = 1;
          a.inherit_thread = 1;
          a.wakeup_watermark = 1048576; a.config1 = 0x1122334455667788ULL; a.config2 = 0x99610;
          a.sample_regs_user = 0x89; a.sample_stack_user = 1024; a.clockid = CLOCK_MONOTONIC;
          a.sample_max_stack = 64;
          const unsigned char *b = (const unsigned char *) &a;
          for (int i = 0; i < PERF_ATTR_SIZE_VER7; i++) printf("%02x", b[i]);
          printf("\\n");
          return 0;
        }
        """;
    Path program = CCompiler.compileSource(dir, "attr", code, "-O0");
    String expected = CCompiler.run(program).trim();

    PerfEventAttr attr =
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
            .sampleRegsUser(0x89)
            .sampleStackUser(1024)
            .clockid(PerfAbi.CLOCK_MONOTONIC)
            .sampleMaxStack(64);
    for (int bit :
        new int[] {
          PerfAbi.BIT_DISABLED,
          PerfAbi.BIT_INHERIT,
          PerfAbi.BIT_EXCLUDE_KERNEL,
          PerfAbi.BIT_EXCLUDE_HV,
          PerfAbi.BIT_MMAP,
          PerfAbi.BIT_COMM,
          PerfAbi.BIT_ENABLE_ON_EXEC,
          PerfAbi.BIT_TASK,
          PerfAbi.BIT_WATERMARK,
          PerfAbi.BIT_SAMPLE_ID_ALL,
          PerfAbi.BIT_EXCLUDE_CALLCHAIN_KERNEL,
          PerfAbi.BIT_MMAP2,
          PerfAbi.BIT_USE_CLOCKID,
          PerfAbi.BIT_INHERIT_THREAD
        }) {
      attr.flag(bit, true);
    }
    assertThat(HexFormat.of().formatHex(attr.toBytes())).isEqualTo(expected);
  }
}
