package io.leakdetector.uprobes.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds the C libraries a process maps, and a path by which this process can open (and probe) each:
 * through {@code /proc/PID/root} so a target in another mount namespace works, or through {@code
 * /proc/PID/map_files} when the file was deleted or replaced since it was mapped.
 */
public final class LibcLocator {
  private static final Pattern LIBC_NAME =
      Pattern.compile(
          "libc\\.so(\\.[0-9.]+)?|libc-[0-9.]+\\.so|libc\\.musl-.*\\.so\\.1|ld-musl-.*\\.so\\.1");

  private LibcLocator() {}

  /** Whether a file name looks like a C library (glibc or musl). */
  public static boolean isLibcName(String path) {
    String p = path.endsWith(" (deleted)") ? path.substring(0, path.length() - 10) : path;
    int slash = p.lastIndexOf('/');
    return LIBC_NAME.matcher(p.substring(slash + 1)).matches();
  }

  /** A libc mapping: path in the target, host path to open, inode. */
  public record Found(String targetPath, Path hostPath, long inode) {}

  /** The distinct executable libc files mapped by {@code pid}. */
  public static List<Found> find(long pid, List<MapsEntry> maps) {
    Map<String, Found> found = new LinkedHashMap<>();
    for (MapsEntry e : maps) {
      if (!e.executable() || e.inode() == 0 || !isLibcName(e.path())) {
        continue;
      }
      String key = e.path() + "#" + e.inode();
      if (!found.containsKey(key)) {
        found.put(key, new Found(stripDeleted(e.path()), hostPath(pid, e), e.inode()));
      }
    }
    return new ArrayList<>(found.values());
  }

  /**
   * The path by which this process reaches the file of mapping {@code e} of process {@code pid}.
   */
  public static Path hostPath(long pid, MapsEntry e) {
    Path proc = Path.of("/proc", Long.toString(pid));
    if (!e.deleted() && e.path().startsWith("/")) {
      Path viaRoot = proc.resolve("root").resolve(e.path().substring(1));
      if (inodeOf(viaRoot) == e.inode()) {
        return viaRoot;
      }
    }
    return proc.resolve("map_files")
        .resolve(Long.toHexString(e.start()) + "-" + Long.toHexString(e.end()));
  }

  /** The inode of a file, or -1 when it cannot be read. */
  public static long inodeOf(Path path) {
    try {
      return ((Number) Files.getAttribute(path, "unix:ino", new LinkOption[0])).longValue();
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return -1;
    }
  }

  private static String stripDeleted(String path) {
    return path.endsWith(" (deleted)") ? path.substring(0, path.length() - 10) : path;
  }
}
