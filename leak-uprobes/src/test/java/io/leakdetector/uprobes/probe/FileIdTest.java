package io.leakdetector.uprobes.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file's identity from stat and from /proc/PID/maps, on the filesystems of this machine. */
class FileIdTest {

  /** glibc's {@code makedev}: the {@code dev_t} encoding stat returns. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffL) << 8)
        | ((major & ~0xfffL) << 32)
        | (minor & 0xffL)
        | ((minor & ~0xffL) << 12);
  }

  @Test
  void statDeviceNumbersAreDecodedLikeGlibcMajorAndMinor() {
    assertThat(FileId.ofStat(0xfe00, 7)).isEqualTo(new FileId(254, 0, 7));
    assertThat(FileId.ofStat(39, 2)).isEqualTo(new FileId(0, 39, 2));
    assertThat(FileId.ofStat(makedev(259, 65541), 1)).isEqualTo(new FileId(259, 65541, 1));
    assertThat(FileId.ofStat(makedev(0xfffff, 0xfffffff0L), 1))
        .isEqualTo(new FileId(0xfffff, 0xfffffff0L, 1));
  }

  @Test
  void mapsDeviceColumnIsHexMajorColonMinor() {
    assertThat(maps("fd:01", 5)).isEqualTo(new FileId(253, 1, 5));
    assertThat(maps("00:27", 2)).isEqualTo(new FileId(0, 39, 2));
  }

  @Test
  void theSameInodeOnTwoDevicesIsTwoFiles() {
    assertThat(new FileId(0, 39, 2)).isNotEqualTo(new FileId(0, 40, 2));
    assertThat(new FileId(254, 0, 2)).isNotEqualTo(new FileId(0, 39, 2));
    assertThat(new FileId(0, 39, 2)).isEqualTo(maps("00:27", 2));
  }

  private static FileId maps(String dev, long inode) {
    return FileId.of(
        io.leakdetector.symbols.linux.ProcMaps.parseLine(
            "7f00-7f10 r-xp 00000000 " + dev + " " + inode + " /lib/x.so"));
  }

  /**
   * A file this JVM maps: the device and inode its /proc/self/maps line shows equal what stat gives
   * for it, on the test's folder and on /dev/shm (a tmpfs) when there is one.
   */
  @Test
  void statAndMapsAgreeForAFileThisProcessMaps(@TempDir Path dir) throws IOException {
    assertMapsMatchesStat(Files.createTempFile(dir, "mapped", ".bin"));
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      Path file = Files.createTempFile(shm, "leakdetector-fileid", ".bin");
      try {
        assertMapsMatchesStat(file);
      } finally {
        Files.delete(file);
      }
    }
  }

  private static void assertMapsMatchesStat(Path file) throws IOException {
    Files.write(file, new byte[8192]);
    String real = file.toRealPath().toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 8192);
      List<ProcMapsEntry> entries =
          ProcMaps.read(ProcessHandle.current().pid()).stream()
              .filter(e -> e.path().equals(real))
              .toList();
      assertThat(entries).as("the mapping of " + file).isNotEmpty();
      FileId stat = LibcLocator.fileIdOf(file);
      assertThat(stat.known()).isTrue();
      assertThat(FileId.of(entries.get(0))).as(file.toString()).isEqualTo(stat);
      assertThat(mapped.get(0)).isZero(); // keeps the mapping reachable until here
    }
  }
}
