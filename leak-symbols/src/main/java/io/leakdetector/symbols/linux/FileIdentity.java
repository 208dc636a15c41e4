package io.leakdetector.symbols.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What tells one version of a file from another without reading it: inode, size and modification
 * time.
 *
 * @param inode the inode number
 * @param size the size in bytes
 * @param modifiedNanos the modification time in nanoseconds since the epoch
 */
record FileIdentity(long inode, long size, long modifiedNanos) {

  /** The identity of the file at {@code path} (links followed), or empty if it is not there. */
  static Optional<FileIdentity> of(Path path) {
    try {
      Map<String, Object> attributes = Files.readAttributes(path, "unix:ino,size,lastModifiedTime");
      FileTime modified = (FileTime) attributes.get("lastModifiedTime");
      return Optional.of(
          new FileIdentity(
              ((Number) attributes.get("ino")).longValue(),
              ((Number) attributes.get("size")).longValue(),
              modified.to(TimeUnit.NANOSECONDS)));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
