package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.elf.ElfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The debuginfod client cache, laid out as elfutils' client lays it out, so that files fetched by
 * gdb or perf are used here and files fetched here by them: {@code <cache>/<build id>/debuginfo}. A
 * file enters the cache only complete and checked: written to a temporary file of ours beside its
 * place, then renamed over it in one step.
 */
final class DebuginfodCache {
  private static final Pattern BUILD_ID = Pattern.compile("[0-9a-f]{2,128}");

  private final Path root;

  DebuginfodCache(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** Whether {@code id} is a build id as lowercase hex (and so safe in a path and a URL). */
  static boolean isBuildId(String id) {
    return BUILD_ID.matcher(id).matches();
  }

  /** Where the debug file of this build id is kept. */
  Path debuginfo(String buildId) {
    requireBuildId(buildId);
    return root.resolve(buildId).resolve("debuginfo");
  }

  /** The cached debug file of this build id, when there is one and it has that build id. */
  Optional<Path> find(String buildId) {
    Path file = debuginfo(buildId);
    return Files.isRegularFile(file) && hasBuildId(file, buildId)
        ? Optional.of(file)
        : Optional.empty();
  }

  /** Fills a temporary file the cache gives it. */
  @FunctionalInterface
  interface Writer {
    /**
     * @return whether it wrote a file to keep; false: there is nothing to store
     */
    boolean writeTo(Path temporary) throws IOException, InterruptedException;
  }

  /**
   * Stores the debug file of this build id: {@code writer} fills a temporary file of ours in the
   * build id's folder; when it holds an ELF file with this build id it is renamed to its place,
   * else deleted.
   *
   * @return the file's place in the cache; empty when the writer had nothing to store
   * @throws IOException when writing fails or the file written is not this build id's ELF file
   */
  Optional<Path> store(String buildId, Writer writer) throws IOException, InterruptedException {
    Path target = debuginfo(buildId);
    Path folder = target.getParent();
    if (!Files.isDirectory(root)) {
      // elfutils makes its cache private to the user: it records what the user debugs.
      Files.createDirectories(
          root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    boolean newFolder = !Files.isDirectory(folder);
    Files.createDirectories(folder);
    Path temporary = Files.createTempFile(folder, "debuginfo.", ".leakdetector-part");
    boolean stored = false;
    try {
      if (!writer.writeTo(temporary)) {
        return Optional.empty();
      }
      if (!hasBuildId(temporary, buildId)) {
        throw new IOException("the file served is not an ELF file with that build id");
      }
      Files.move(
          temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      stored = true;
      return Optional.of(target);
    } finally {
      Files.deleteIfExists(temporary);
      if (newFolder && !stored) {
        deleteIfEmpty(folder);
      }
    }
  }

  /** Removes a folder this cache made for nothing, unless another client put a file there. */
  private static void deleteIfEmpty(Path folder) {
    try {
      Files.deleteIfExists(folder);
    } catch (IOException notEmpty) {
      // another client's file is there: the folder is theirs too
    }
  }

  private static boolean hasBuildId(Path file, String buildId) {
    try (ElfFile elf = ElfFile.open(file)) {
      return elf.buildId().filter(buildId::equals).isPresent();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void requireBuildId(String id) {
    if (!isBuildId(id)) {
      throw new IllegalArgumentException("not a build id: " + id);
    }
  }
}
