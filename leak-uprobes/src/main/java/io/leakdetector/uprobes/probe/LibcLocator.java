package io.leakdetector.uprobes.probe;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Finds the C libraries a process maps, and a path by which this process can open (and probe) each:
 * through {@code /proc/PID/root} so a target in another mount namespace works, or through {@code
 * /proc/PID/map_files} when the file was deleted or replaced since it was mapped. A C library is
 * recognized by its file name or, under any other name, by its ELF {@code DT_SONAME}.
 */
public final class LibcLocator {
  private static final Pattern LIBC_NAME =
      Pattern.compile(
          "libc\\.so(\\.[0-9.]+)?|libc-[0-9.]+\\.so|libc\\.musl-.*\\.so\\.1|ld-musl-.*\\.so\\.1");

  private LibcLocator() {}

  /** Whether a file name looks like a C library (glibc or musl). */
  public static boolean isLibcName(String path) {
    String p = stripDeleted(path);
    int slash = p.lastIndexOf('/');
    return LIBC_NAME.matcher(p.substring(slash + 1)).matches();
  }

  /**
   * Whether a regular file is an ELF object whose {@code DT_SONAME} names a C library ({@code
   * libc.so.6}, …); false when it cannot be read. Only the headers and the dynamic section are
   * read.
   */
  public static boolean hasLibcSoname(Path file) {
    if (!Files.isRegularFile(file)) {
      return false; // never open a device or a pipe someone mapped
    }
    try (ElfFile elf = ElfFile.open(file)) {
      return elf.soname().map(s -> LIBC_NAME.matcher(s).matches()).orElse(false);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** A libc mapping: path in the target, host path to open, the file's device and inode. */
  public record Found(String targetPath, Path hostPath, FileId file) {}

  /**
   * The distinct executable libc files mapped by {@code pid}, one per file (device and inode),
   * however many paths or mappings it has.
   */
  public static List<Found> find(long pid, List<ProcMapsEntry> maps) {
    List<Found> found = new ArrayList<>();
    Set<FileId> examined = new HashSet<>();
    for (ProcMapsEntry e : maps) {
      if (!e.isExecutable() || !FileId.of(e).known() || !examined.add(FileId.of(e))) {
        continue;
      }
      Path host = hostPath(pid, e);
      if (isLibcName(e.path()) || hasLibcSoname(host)) {
        found.add(new Found(e.path(), host, FileId.of(e)));
      }
    }
    return found;
  }

  /**
   * The path by which this process reaches the file of mapping {@code e} of process {@code pid}:
   * the file's path under {@code /proc/PID/root} when that is still the mapped file, else the
   * mapping's {@code /proc/PID/map_files} entry.
   */
  public static Path hostPath(long pid, ProcMapsEntry e) {
    Path proc = Path.of("/proc", Long.toString(pid));
    Path mapFile =
        proc.resolve("map_files")
            .resolve(Long.toHexString(e.start()) + "-" + Long.toHexString(e.end()));
    if (!e.deleted() && e.path().startsWith("/")) {
      Path viaRoot = proc.resolve("root").resolve(e.path().substring(1));
      FileId atPath = fileIdOf(viaRoot);
      // stat's st_dev is the maps device on ext4, tmpfs and overlayfs (measured), but not on
      // btrfs (a subvolume's own device): there, compare with stat of the mapped file itself
      if (atPath.known()
          && atPath.inode() == e.inode()
          && (atPath.equals(FileId.of(e)) || atPath.equals(fileIdOf(mapFile)))) {
        return viaRoot;
      }
    }
    return mapFile;
  }

  /** The device and inode {@code stat} gives for a file, or {@link FileId#NONE}. */
  public static FileId fileIdOf(Path path) {
    try {
      Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino", new LinkOption[0]);
      return FileId.ofStat(
          ((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return FileId.NONE;
    }
  }

  private static String stripDeleted(String path) {
    return path.endsWith(" (deleted)") ? path.substring(0, path.length() - 10) : path;
  }
}
