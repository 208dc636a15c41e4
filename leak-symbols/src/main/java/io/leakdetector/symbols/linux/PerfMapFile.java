package io.leakdetector.symbols.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A target's perf map as the target sees it: {@code /tmp/perf-NSPID.map} inside its mount
 * namespace, reached through {@code /proc/PID/root}, named by the pid the process has in its own
 * pid namespace. Re-read when it changed (size or modification time), at most once per {@link
 * #RECHECK_NANOS} unless {@link #expectChange()} was called; the last map read is kept after the
 * process exits.
 */
final class PerfMapFile {
  static final long RECHECK_NANOS = 1_000_000_000L;

  private final TargetState target;
  private final Path path;
  private final Path afterExit;
  private volatile PerfMap map = PerfMap.empty();
  private long size = -1;
  private long modified;
  private long lastCheck;
  private boolean checkNow = true;

  /**
   * @param afterExit where the file is read after the target exited ({@code /proc/PID/root} is gone
   *     then), or {@code null}
   */
  PerfMapFile(TargetState target, Path path, Path afterExit) {
    this.target = target;
    this.path = path;
    this.afterExit = afterExit;
  }

  /**
   * The target's map file. After its exit it is still read from our {@code /tmp} when the target
   * shares our root and pid namespace (a JVM run with {@code -XX:+DumpPerfMapAtExit} writes it
   * then).
   */
  static PerfMapFile of(TargetState target) {
    long nsPid = ProcStatus.namespacePid(target.pid());
    String name = "/tmp/perf-" + nsPid + ".map";
    Path afterExit = target.sharesOurRoot() && nsPid == target.pid() ? Path.of(name) : null;
    return new PerfMapFile(target, target.throughRoot(name), afterExit);
  }

  Path path() {
    return path;
  }

  /**
   * Deletes the map file (one the JVM wrote at our request): through the target's root while it
   * lives, else from our own {@code /tmp} when it shared our namespaces.
   */
  void delete() {
    for (Path file : new Path[] {path, afterExit}) {
      try {
        if (file != null && java.nio.file.Files.deleteIfExists(file)) {
          return;
        }
      } catch (java.io.IOException e) {
        // the target's /tmp is gone with it, or not ours to change
      }
    }
  }

  /** The map read last. */
  PerfMap current() {
    return map;
  }

  /** The next {@link #refresh} reads the file without waiting for the throttle. */
  synchronized void expectChange() {
    checkNow = true;
  }

  /**
   * Reads the file again if it changed and the last check is old enough (or a change is expected).
   *
   * @return whether a new map was read
   */
  synchronized boolean refresh() {
    long now = System.nanoTime();
    if (!checkNow && now - lastCheck < RECHECK_NANOS) {
      return false;
    }
    checkNow = false;
    lastCheck = now;
    Path file = target.alive() ? path : afterExit;
    if (file == null) {
      return false;
    }
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      long newSize = attributes.size();
      long newModified = attributes.lastModifiedTime().toMillis();
      if (newSize == size && newModified == modified) {
        return false;
      }
      PerfMap read = PerfMap.read(file);
      size = newSize;
      modified = newModified;
      map = read;
      return true;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException | RuntimeException e) {
      // being rewritten, or the process is gone: keep the map read last
      return false;
    }
  }

  /** Whether the file exists now (through the target's root). */
  boolean exists() {
    return Files.exists(path);
  }
}
