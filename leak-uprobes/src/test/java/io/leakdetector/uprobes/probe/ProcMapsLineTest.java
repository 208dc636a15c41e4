package io.leakdetector.uprobes.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import org.junit.jupiter.api.Test;

/**
 * Lines of /proc/PID/maps as the kernel prints them ({@code show_map_vma}), read with leak-symbols'
 * parser (the one both modules use) and seen as the uprobes source sees them ({@link FileId}).
 */
class ProcMapsLineTest {

  @Test
  void aFileMappingHasItsDeviceAndInode() {
    ProcMapsEntry e =
        ProcMaps.parseLine(
            "7fb0045ce000-7fb004724000 r-xp 00026000 fd:01 339380                     "
                + "/usr/lib/x86_64-linux-gnu/libc.so.6");
    assertThat(e.start()).isEqualTo(0x7fb0045ce000L);
    assertThat(e.end()).isEqualTo(0x7fb004724000L);
    assertThat(e.permissions()).isEqualTo("r-xp");
    assertThat(e.isExecutable()).isTrue();
    assertThat(e.fileOffset()).isEqualTo(0x26000);
    assertThat(FileId.of(e)).isEqualTo(new FileId(0xfd, 0x01, 339380));
    assertThat(e.inode()).isEqualTo(339380);
    assertThat(FileId.of(e).known()).isTrue();
    assertThat(FileId.of(e)).hasToString("fd:01 inode 339380");
    assertThat(e.path()).isEqualTo("/usr/lib/x86_64-linux-gnu/libc.so.6");
  }

  @Test
  void devicesWiderThanTwoDigitsAndPathsWithSpaces() {
    // %02x:%02x prints at least two digits: major 259 and minor 65541 need more
    ProcMapsEntry e =
        ProcMaps.parseLine(
            "555555554000-555555556000 r-xp 00001000 103:10005 12 /opt/my app/libc.so.6 (deleted)");
    assertThat(FileId.of(e)).isEqualTo(new FileId(259, 65541, 12));
    // the shared parser strips the suffix and says so
    assertThat(e.path()).isEqualTo("/opt/my app/libc.so.6");
    assertThat(e.deleted()).isTrue();
  }

  @Test
  void anonymousMemoryHasNoFile() {
    ProcMapsEntry e =
        ProcMaps.parseLine("7ffd1c8e4000-7ffd1c905000 rw-p 00000000 00:00 0  [stack]");
    assertThat(FileId.of(e)).isEqualTo(FileId.NONE);
    assertThat(FileId.of(e).known()).isFalse();
    assertThat(e.isExecutable()).isFalse();
    assertThat(ProcMaps.parseLine("7ffd1c8e4000-7ffd1c905000 rw-p 00000000 00:00 0").path())
        .isEmpty();
  }

  @Test
  void linesWithoutTheExpectedFieldsAreRejected() {
    assertThat(ProcMaps.parseLine("")).isNull();
    assertThat(ProcMaps.parseLine("7f00-7f10 r-xp 0 fd01 5 /x")).isNull(); // no colon in dev
    assertThat(ProcMaps.parseLine("7f00-7f10 r-xp 0 fd: 5 /x")).isNull();
    assertThat(ProcMaps.parseLine("7f00-7f10 r-xp 0 zz:01 5 /x")).isNull();
    assertThat(ProcMaps.parseLine("7f00 r-xp 0 fd:01 5 /x")).isNull();
  }
}
