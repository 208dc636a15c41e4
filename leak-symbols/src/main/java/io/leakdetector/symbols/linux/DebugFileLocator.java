package io.leakdetector.symbols.linux;

import io.leakdetector.symbols.elf.ElfFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.CRC32;

/**
 * Finds the separate debug file of a stripped ELF file, the way GDB does: by build id under {@code
 * /usr/lib/debug/.build-id/}, then by the {@code .gnu_debuglink} name next to the file, in its
 * {@code .debug/} folder and under {@code /usr/lib/debug/} + its folder. A candidate is taken only
 * when it has a symbol table and its build id (or, without one, the debug link's CRC-32) matches.
 */
final class DebugFileLocator {
  private final Path root;

  /**
   * @param root the file system root the target sees ({@code /} or {@code /proc/PID/root})
   */
  DebugFileLocator(Path root) {
    this.root = root;
  }

  /**
   * The debug file for {@code elf}, opened; the caller closes it.
   *
   * @param pathInTarget the file's path as the target sees it (for its folder)
   */
  Optional<ElfFile> find(ElfFile elf, String pathInTarget) {
    for (Path candidate : candidates(elf, pathInTarget)) {
      Optional<ElfFile> debug = openIfMatching(candidate, elf);
      if (debug.isPresent()) {
        return debug;
      }
    }
    return Optional.empty();
  }

  List<Path> candidates(ElfFile elf, String pathInTarget) {
    List<Path> candidates = new ArrayList<>();
    Optional<String> buildId = elf.buildId();
    if (buildId.isPresent() && buildId.get().length() > 2) {
      String id = buildId.get();
      candidates.add(
          inRoot(
              "/usr/lib/debug/.build-id/" + id.substring(0, 2) + "/" + id.substring(2) + ".debug"));
    }
    Optional<String> link = elf.debugLink();
    if (link.isPresent() && !link.get().isEmpty() && !link.get().contains("/")) {
      String name = link.get();
      int slash = pathInTarget.lastIndexOf('/');
      String dir = slash <= 0 ? "/" : pathInTarget.substring(0, slash);
      candidates.add(inRoot(dir + "/" + name));
      candidates.add(inRoot(dir + "/.debug/" + name));
      candidates.add(inRoot("/usr/lib/debug" + dir + "/" + name));
    }
    return candidates;
  }

  private Path inRoot(String absolute) {
    return root.resolve(absolute.substring(1));
  }

  private static Optional<ElfFile> openIfMatching(Path candidate, ElfFile elf) {
    if (!Files.isRegularFile(candidate)) {
      return Optional.empty();
    }
    ElfFile debug = null;
    try {
      debug = ElfFile.open(candidate);
      boolean same = Files.isSameFile(candidate, elf.path());
      if (!same && debug.hasSymbolTable() && matches(debug, elf)) {
        return Optional.of(debug);
      }
    } catch (IOException | RuntimeException e) {
      // Not a usable debug file: try the next candidate.
    }
    closeQuietly(debug);
    return Optional.empty();
  }

  private static boolean matches(ElfFile debug, ElfFile elf) throws IOException {
    Optional<String> expected = elf.buildId();
    if (expected.isPresent()) {
      return expected.equals(debug.buildId());
    }
    OptionalLong crc = elf.debugLinkCrc();
    return crc.isPresent() && crc.getAsLong() == crc32(debug.path());
  }

  private static long crc32(Path file) throws IOException {
    CRC32 crc = new CRC32();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        crc.update(buffer, 0, n);
      }
    }
    return crc.getValue();
  }

  private static void closeQuietly(ElfFile file) {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }
}
