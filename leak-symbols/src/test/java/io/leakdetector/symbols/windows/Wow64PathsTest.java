package io.leakdetector.symbols.windows;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where a WOW64 process's 32-bit system DLLs really are. */
class Wow64PathsTest {
  static final String ROOT = "C:\\Windows";

  @Test
  void a32BitSystemDllOfAWow64ProcessIsInSysWow64() {
    assertThat(
            Wow64Paths.realPath(
                "C:\\Windows\\System32\\KERNELBASE.dll", 0x7660_0000L, 0x24_0000L, true, ROOT))
        .isEqualTo("C:\\Windows\\SysWOW64\\KERNELBASE.dll");
    // The case Windows reports varies; the prefix is compared without case.
    assertThat(
            Wow64Paths.realPath(
                "c:\\WINDOWS\\system32\\ucrtbase.dll", 0x7500_0000L, 0x1000, true, "C:\\Windows\\"))
        .isEqualTo("C:\\Windows\\SysWOW64\\ucrtbase.dll");
  }

  @Test
  void otherModulesKeepTheirPath() {
    // 64-bit modules of a WOW64 process (its 64-bit ntdll, wow64*.dll) live above 4 GiB.
    assertThat(
            Wow64Paths.realPath(
                "C:\\Windows\\System32\\ntdll.dll", 0x7ffa_5550_0000L, 0x1f_0000L, true, ROOT))
        .isEqualTo("C:\\Windows\\System32\\ntdll.dll");
    // A module ending exactly at 4 GiB is still 32-bit; one crossing it is not.
    assertThat(
            Wow64Paths.realPath(
                "C:\\Windows\\System32\\a.dll", 0xFFFF_0000L, 0x1_0000L, true, ROOT))
        .isEqualTo("C:\\Windows\\SysWOW64\\a.dll");
    assertThat(
            Wow64Paths.realPath(
                "C:\\Windows\\System32\\a.dll", 0xFFFF_0000L, 0x1_0001L, true, ROOT))
        .isEqualTo("C:\\Windows\\System32\\a.dll");
    // A native (64-bit) process, and DLLs outside System32.
    assertThat(
            Wow64Paths.realPath(
                "C:\\Windows\\System32\\ntdll.dll", 0x7770_0000L, 0x1000, false, ROOT))
        .isEqualTo("C:\\Windows\\System32\\ntdll.dll");
    assertThat(Wow64Paths.realPath("C:\\app\\System32\\x.dll", 0x40_0000L, 0x1000, true, ROOT))
        .isEqualTo("C:\\app\\System32\\x.dll");
    assertThat(Wow64Paths.realPath("C:\\Windows\\System32x\\x.dll", 0x40_0000L, 0x1000, true, ROOT))
        .isEqualTo("C:\\Windows\\System32x\\x.dll");
  }
}
