package io.leakdetector.symbols.linux;

import static io.leakdetector.symbols.testing.NativeTools.compile;
import static io.leakdetector.symbols.testing.NativeTools.requireTool;
import static io.leakdetector.symbols.testing.NativeTools.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebugFileLocatorTest {
  static final String SOURCE =
      "int located_function(int x) { return x + 1; }\nint main(void) { return 0; }\n";

  @TempDir Path dir;

  private Path stripWithDebug(String name, String source, Path debugOut) throws Exception {
    requireTool("objcopy");
    Path binary = compile(source, dir, name, "-O1", "-g");
    Path stripped = dir.resolve(name + ".stripped");
    run("objcopy", "--only-keep-debug", binary.toString(), debugOut.toString());
    run("objcopy", "--strip-all", binary.toString(), stripped.toString());
    run("objcopy", "--add-gnu-debuglink=" + debugOut, stripped.toString());
    return stripped;
  }

  @Test
  void findsTheDebugFileByBuildIdUnderTheTargetsRoot() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path debug = dir.resolve("prog.debug");
    Path stripped = stripWithDebug("prog", SOURCE, debug);
    try (ElfFile elf = ElfFile.open(stripped)) {
      String id = elf.buildId().orElseThrow();
      Path byId =
          root.resolve(
              "usr/lib/debug/.build-id/" + id.substring(0, 2) + "/" + id.substring(2) + ".debug");
      Files.createDirectories(byId.getParent());
      Files.move(debug, byId);
      Optional<ElfFile> found = new DebugFileLocator(root).find(elf, "/opt/app/prog");
      assertThat(found).isPresent();
      try (ElfFile d = found.get()) {
        assertThat(d.path()).isEqualTo(byId);
        assertThat(d.findSymbol("located_function")).isPresent();
      }
    }
  }

  @Test
  void findsTheDebugLinkUnderUsrLibDebugAndRejectsAForeignOne() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root2"));
    Path debug = dir.resolve("prog2.debug");
    Path stripped = stripWithDebug("prog2", SOURCE, debug);
    Path otherDebug = dir.resolve("other.debug");
    stripWithDebug("other", SOURCE.replace("x + 1", "x + 2"), otherDebug);
    try (ElfFile elf = ElfFile.open(stripped)) {
      // A debug file of another build under the link's name next to the file: refused.
      Path beside = Files.createDirectories(root.resolve("opt/app")).resolve("prog2.debug");
      Files.copy(otherDebug, beside);
      DebugFileLocator locator = new DebugFileLocator(root);
      assertThat(locator.find(elf, "/opt/app/prog2")).isEmpty();
      // The right one under /usr/lib/debug/<folder>/: taken.
      Path right =
          Files.createDirectories(root.resolve("usr/lib/debug/opt/app")).resolve("prog2.debug");
      Files.copy(debug, right);
      Optional<ElfFile> found = locator.find(elf, "/opt/app/prog2");
      assertThat(found).isPresent();
      try (ElfFile d = found.get()) {
        assertThat(d.path()).isEqualTo(right);
      }
    }
  }
}
