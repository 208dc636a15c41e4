package io.leakdetector.uprobes.bpf;

import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import io.leakdetector.uprobes.linux.PerfAbi;
import io.leakdetector.uprobes.testing.Aarch64Toolchain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every number the BPF design writes into the kernel's structures — {@code union bpf_attr} offsets,
 * map and program types, flags, helper ids, ring buffer header bits, and where the registers lie in
 * a program's context — is checked against the uapi headers: written as {@code _Static_assert}s and
 * compiled, for x86-64 with gcc and for aarch64 with the cross compiler, so a wrong value fails the
 * compile with its name.
 */
class BpfAbiTest {
  @TempDir Path dir;

  private record Check(String java, long value, String c) {}

  private static List<Check> common() {
    List<Check> c = new ArrayList<>();
    c.add(new Check("Bpf.CMD_MAP_CREATE", Bpf.CMD_MAP_CREATE, "BPF_MAP_CREATE"));
    c.add(new Check("Bpf.CMD_MAP_LOOKUP_ELEM", Bpf.CMD_MAP_LOOKUP_ELEM, "BPF_MAP_LOOKUP_ELEM"));
    c.add(new Check("Bpf.CMD_MAP_UPDATE_ELEM", Bpf.CMD_MAP_UPDATE_ELEM, "BPF_MAP_UPDATE_ELEM"));
    c.add(new Check("Bpf.CMD_PROG_LOAD", Bpf.CMD_PROG_LOAD, "BPF_PROG_LOAD"));
    c.add(new Check("Bpf.MAP_TYPE_HASH", Bpf.MAP_TYPE_HASH, "BPF_MAP_TYPE_HASH"));
    c.add(new Check("Bpf.MAP_TYPE_ARRAY", Bpf.MAP_TYPE_ARRAY, "BPF_MAP_TYPE_ARRAY"));
    c.add(new Check("Bpf.MAP_TYPE_RINGBUF", Bpf.MAP_TYPE_RINGBUF, "BPF_MAP_TYPE_RINGBUF"));
    c.add(new Check("Bpf.F_MMAPABLE", Bpf.F_MMAPABLE, "BPF_F_MMAPABLE"));
    c.add(new Check("Bpf.PROG_TYPE_KPROBE", Bpf.PROG_TYPE_KPROBE, "BPF_PROG_TYPE_KPROBE"));
    String[][] attr = {
      {"MAP_TYPE", "map_type"}, {"KEY_SIZE", "key_size"}, {"VALUE_SIZE", "value_size"},
      {"MAX_ENTRIES", "max_entries"}, {"MAP_FLAGS", "map_flags"}, {"MAP_NAME", "map_name"},
      {"ELEM_MAP_FD", "map_fd"}, {"ELEM_KEY", "key"}, {"ELEM_VALUE", "value"},
      {"ELEM_FLAGS", "flags"}, {"PROG_TYPE", "prog_type"}, {"INSN_CNT", "insn_cnt"},
      {"INSNS", "insns"}, {"PROG_LICENSE", "license"}, {"LOG_LEVEL", "log_level"},
      {"LOG_SIZE", "log_size"}, {"LOG_BUF", "log_buf"}, {"PROG_NAME", "prog_name"},
    };
    for (String[] a : attr) {
      c.add(new Check("Bpf." + a[0], field(a[0]), "offsetof(union bpf_attr, " + a[1] + ")"));
    }
    c.add(
        new Check(
            "Bpf.ATTR_SIZE >= sizeof(union bpf_attr) as far as used",
            Bpf.ATTR_SIZE >= 128 ? 1 : 0,
            "(offsetof(union bpf_attr, expected_attach_type) + 4 <= " + Bpf.ATTR_SIZE + ")"));
    String[][] helpers = {
      {"MAP_LOOKUP_ELEM", "BPF_FUNC_map_lookup_elem"},
      {"MAP_UPDATE_ELEM", "BPF_FUNC_map_update_elem"},
      {"MAP_DELETE_ELEM", "BPF_FUNC_map_delete_elem"},
      {"KTIME_GET_NS", "BPF_FUNC_ktime_get_ns"},
      {"GET_CURRENT_PID_TGID", "BPF_FUNC_get_current_pid_tgid"},
      {"GET_STACK", "BPF_FUNC_get_stack"},
      {"PROBE_READ_USER", "BPF_FUNC_probe_read_user"},
      {"RINGBUF_RESERVE", "BPF_FUNC_ringbuf_reserve"},
      {"RINGBUF_SUBMIT", "BPF_FUNC_ringbuf_submit"},
      {"RINGBUF_QUERY", "BPF_FUNC_ringbuf_query"},
      {"F_USER_STACK", "BPF_F_USER_STACK"},
      {"RB_NO_WAKEUP", "BPF_RB_NO_WAKEUP"},
      {"RB_FORCE_WAKEUP", "BPF_RB_FORCE_WAKEUP"},
      {"RB_AVAIL_DATA", "BPF_RB_AVAIL_DATA"},
    };
    for (String[] h : helpers) {
      c.add(new Check("ProbePrograms." + h[0], programs(h[0]), h[1]));
    }
    c.add(new Check("BpfAssembler.PSEUDO_MAP_FD", BpfAssembler.PSEUDO_MAP_FD, "BPF_PSEUDO_MAP_FD"));
    c.add(
        new Check(
            "BpfAssembler.PSEUDO_MAP_VALUE",
            BpfAssembler.PSEUDO_MAP_VALUE,
            "BPF_PSEUDO_MAP_VALUE"));
    c.add(
        new Check(
            "BpfRingBuffer.BUSY_BIT",
            BpfRingBuffer.BUSY_BIT & 0xFFFF_FFFFL,
            "BPF_RINGBUF_BUSY_BIT"));
    c.add(
        new Check(
            "BpfRingBuffer.DISCARD_BIT", BpfRingBuffer.DISCARD_BIT, "BPF_RINGBUF_DISCARD_BIT"));
    c.add(new Check("BpfRingBuffer.HEADER_SIZE", BpfRingBuffer.HEADER_SIZE, "BPF_RINGBUF_HDR_SZ"));
    c.add(new Check("PerfAbi.IOC_SET_BPF", PerfAbi.IOC_SET_BPF, "PERF_EVENT_IOC_SET_BPF"));
    return c;
  }

  private static long field(String name) {
    try {
      return ((Number) Bpf.class.getDeclaredField(name).get(null)).longValue();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static long programs(String name) {
    try {
      return ((Number) ProbePrograms.class.getDeclaredField(name).get(null)).longValue();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static String source(List<Check> checks, String includes) {
    StringBuilder s = new StringBuilder(includes);
    s.append("#include <linux/bpf.h>\n#include <linux/perf_event.h>\n#include <stddef.h>\n");
    s.append("#include <asm/unistd.h>\n#include <asm/ptrace.h>\n");
    for (Check c : checks) {
      s.append("_Static_assert((unsigned long long)(")
          .append(c.c())
          .append(") == ")
          .append(Long.toUnsignedString(c.value()))
          .append("ULL, \"")
          .append(c.java())
          .append("\");\n");
    }
    return s.toString();
  }

  @Test
  void x86_64MatchesTheHeaders() throws IOException {
    Prerequisite.tool("gcc", "apt-get install gcc linux-libc-dev");
    BpfArch x = BpfArch.X86_64;
    List<Check> checks = common();
    checks.add(new Check("BpfArch.X86_64.bpfSyscall()", x.bpfSyscall(), "__NR_bpf"));
    checks.add(new Check("BpfArch.X86_64.arg0()", x.arg0(), "offsetof(struct pt_regs, rdi)"));
    checks.add(new Check("BpfArch.X86_64.arg1()", x.arg1(), "offsetof(struct pt_regs, rsi)"));
    checks.add(new Check("BpfArch.X86_64.arg2()", x.arg2(), "offsetof(struct pt_regs, rdx)"));
    checks.add(new Check("BpfArch.X86_64.result()", x.result(), "offsetof(struct pt_regs, rax)"));
    checks.add(
        new Check(
            "BpfArch.X86_64.stackPointer()", x.stackPointer(), "offsetof(struct pt_regs, rsp)"));
    checks.add(
        new Check(
            "BpfArch.X86_64.instructionPointer()",
            x.instructionPointer(),
            "offsetof(struct pt_regs, rip)"));
    Path c = Files.writeString(dir.resolve("x86.c"), source(checks, ""));
    Commands.run(List.of("gcc", "-c", "-o", dir.resolve("x86.o").toString(), c.toString()));
  }

  /**
   * The uprobe-multi link (Linux 6.6+) against the uapi bpf.h of the newest kernel headers package
   * installed (Debian 12's linux-libc-dev is 6.1, without it); compiled for the host.
   */
  @Test
  void uprobeMultiLinksMatchTheHeaders() throws IOException {
    Path header = newestBpfHeaderWithUprobeMulti();
    Path include = Files.createDirectories(dir.resolve("include/linux"));
    Files.copy(header, include.resolve("bpf.h"));
    List<Check> c = new ArrayList<>();
    c.add(new Check("Bpf.CMD_LINK_CREATE", Bpf.CMD_LINK_CREATE, "BPF_LINK_CREATE"));
    c.add(new Check("Bpf.TRACE_UPROBE_MULTI", Bpf.TRACE_UPROBE_MULTI, "BPF_TRACE_UPROBE_MULTI"));
    c.add(
        new Check(
            "Bpf.F_UPROBE_MULTI_RETURN", Bpf.F_UPROBE_MULTI_RETURN, "BPF_F_UPROBE_MULTI_RETURN"));
    c.add(
        new Check(
            "ProbePrograms.GET_ATTACH_COOKIE",
            ProbePrograms.GET_ATTACH_COOKIE,
            "BPF_FUNC_get_attach_cookie"));
    String[][] fields = {
      {"EXPECTED_ATTACH_TYPE", "expected_attach_type"},
      {"LINK_PROG_FD", "link_create.prog_fd"},
      {"LINK_ATTACH_TYPE", "link_create.attach_type"},
      {"LINK_FLAGS", "link_create.flags"},
      {"UPROBE_MULTI_PATH", "link_create.uprobe_multi.path"},
      {"UPROBE_MULTI_OFFSETS", "link_create.uprobe_multi.offsets"},
      {"UPROBE_MULTI_COOKIES", "link_create.uprobe_multi.cookies"},
      {"UPROBE_MULTI_CNT", "link_create.uprobe_multi.cnt"},
      {"UPROBE_MULTI_FLAGS", "link_create.uprobe_multi.flags"},
      {"UPROBE_MULTI_PID", "link_create.uprobe_multi.pid"},
    };
    for (String[] f : fields) {
      c.add(new Check("Bpf." + f[0], field(f[0]), "offsetof(union bpf_attr, " + f[1] + ")"));
    }
    c.add(
        new Check(
            "the fields used lie within Bpf.ATTR_SIZE",
            1,
            "(offsetof(union bpf_attr, link_create.uprobe_multi.pid) + 4 <= "
                + Bpf.ATTR_SIZE
                + ")"));
    Path source = Files.writeString(dir.resolve("multi.c"), source(c, ""));
    Commands.run(
        List.of(
            "gcc",
            "-I",
            dir.resolve("include").toString(),
            "-c",
            "-o",
            dir.resolve("multi.o").toString(),
            source.toString()));
  }

  private static Path newestBpfHeaderWithUprobeMulti() throws IOException {
    Path found = null;
    try (var dirs = Files.newDirectoryStream(Path.of("/usr/src"), "linux-headers-6.*-common")) {
      for (Path d : dirs) {
        Path h = d.resolve("include/uapi/linux/bpf.h");
        if (Files.isRegularFile(h) && Files.readString(h).contains("BPF_TRACE_UPROBE_MULTI")) {
          found = h;
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // no /usr/src
    }
    Prerequisite.require(
        found != null,
        "a kernel headers package with uprobe-multi links (apt-get install"
            + " linux-headers-6.12.*-common; .ci/run installs the newest)");
    return found;
  }

  @Test
  void aarch64MatchesTheHeaders() throws IOException {
    Aarch64Toolchain.require();
    BpfArch a = BpfArch.AARCH64;
    List<Check> checks = common();
    checks.add(new Check("BpfArch.AARCH64.bpfSyscall()", a.bpfSyscall(), "__NR_bpf"));
    checks.add(
        new Check("BpfArch.AARCH64.arg0()", a.arg0(), "offsetof(struct user_pt_regs, regs[0])"));
    checks.add(
        new Check("BpfArch.AARCH64.arg1()", a.arg1(), "offsetof(struct user_pt_regs, regs[1])"));
    checks.add(
        new Check("BpfArch.AARCH64.arg2()", a.arg2(), "offsetof(struct user_pt_regs, regs[2])"));
    checks.add(
        new Check(
            "BpfArch.AARCH64.result()", a.result(), "offsetof(struct user_pt_regs, regs[0])"));
    checks.add(
        new Check(
            "BpfArch.AARCH64.stackPointer()",
            a.stackPointer(),
            "offsetof(struct user_pt_regs, sp)"));
    checks.add(
        new Check(
            "BpfArch.AARCH64.instructionPointer()",
            a.instructionPointer(),
            "offsetof(struct user_pt_regs, pc)"));
    Path c = Files.writeString(dir.resolve("arm64.c"), source(checks, ""));
    Aarch64Toolchain.runOrFail("gcc", "-c", "-o", dir.resolve("arm64.o").toString(), c.toString());
  }
}
