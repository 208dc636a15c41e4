package io.leakdetector.uprobes.probe;

import java.nio.file.Path;
import java.util.List;

/**
 * A libc file to probe and its probe sites.
 *
 * @param targetPath the path as the target sees it (from its maps)
 * @param hostPath the path this process opens it by (through {@code /proc/PID/root} or {@code
 *     /proc/PID/map_files})
 * @param file its device and inode ({@link FileId#NONE} when unknown)
 * @param sites the probed addresses
 */
public record LibcImage(String targetPath, Path hostPath, FileId file, List<ProbeSite> sites) {
  public LibcImage {
    sites = List.copyOf(sites);
  }
}
