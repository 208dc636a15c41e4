package io.leakdetector.uprobes.probe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Lines of /proc/PID/maps as the kernel prints them ({@code show_map_vma}). */
class MapsEntryTest {

  @Test
  void aFileMappingHasItsDeviceAndInode() {
    MapsEntry e =
        MapsEntry.parse(
            "7fb0045ce000-7fb004724000 r-xp 00026000 fd:01 339380                     "
                + "/usr/lib/x86_64-linux-gnu/libc.so.6");
    assertThat(e.start()).isEqualTo(0x7fb0045ce000L);
    assertThat(e.end()).isEqualTo(0x7fb004724000L);
    assertThat(e.perms()).isEqualTo("r-xp");
    assertThat(e.executable()).isTrue();
    assertThat(e.offset()).isEqualTo(0x26000);
    assertThat(e.file()).isEqualTo(new FileId(0xfd, 0x01, 339380));
    assertThat(e.inode()).isEqualTo(339380);
    assertThat(e.file().known()).isTrue();
    assertThat(e.file()).hasToString("fd:01 inode 339380");
    assertThat(e.path()).isEqualTo("/usr/lib/x86_64-linux-gnu/libc.so.6");
  }

  @Test
  void devicesWiderThanTwoDigitsAndPathsWithSpaces() {
    // %02x:%02x prints at least two digits: major 259 and minor 65541 need more
    MapsEntry e =
        MapsEntry.parse(
            "555555554000-555555556000 r-xp 00001000 103:10005 12 /opt/my app/libc.so.6 (deleted)");
    assertThat(e.file()).isEqualTo(new FileId(259, 65541, 12));
    assertThat(e.path()).isEqualTo("/opt/my app/libc.so.6 (deleted)");
    assertThat(e.deleted()).isTrue();
  }

  @Test
  void anonymousMemoryHasNoFile() {
    MapsEntry e = MapsEntry.parse("7ffd1c8e4000-7ffd1c905000 rw-p 00000000 00:00 0  [stack]");
    assertThat(e.file()).isEqualTo(FileId.NONE);
    assertThat(e.file().known()).isFalse();
    assertThat(e.executable()).isFalse();
    assertThat(MapsEntry.parse("7ffd1c8e4000-7ffd1c905000 rw-p 00000000 00:00 0").path()).isEmpty();
  }

  @Test
  void linesWithoutTheExpectedFieldsAreRejected() {
    assertThat(MapsEntry.parse("")).isNull();
    assertThat(MapsEntry.parse("7f00-7f10 r-xp 0 fd01 5 /x")).isNull(); // no colon in dev
    assertThat(MapsEntry.parse("7f00-7f10 r-xp 0 fd: 5 /x")).isNull();
    assertThat(MapsEntry.parse("7f00-7f10 r-xp 0 zz:01 5 /x")).isNull();
    assertThat(MapsEntry.parse("7f00 r-xp 0 fd:01 5 /x")).isNull();
  }
}
