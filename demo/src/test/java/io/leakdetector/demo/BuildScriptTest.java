package io.leakdetector.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native build script: a missing compiler is one message, a broken source an error. */
class BuildScriptTest {
  static final Path SCRIPT =
      Path.of(System.getProperty("demo.build.script", "src/main/native/build-native.sh"));
  static final Path SOURCE = Path.of(System.getProperty("demo.source", "src/main/c/demo.c"));

  @TempDir Path dir;

  /** A PATH holding only the basic tools the script needs: no compiler at all. */
  private Path pathWithoutCompilers() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String tool : List.of("mkdir", "cp", "rm", "uname")) {
      Path real = Path.of("/bin", tool);
      if (!Files.exists(real)) {
        real = Path.of("/usr/bin", tool);
      }
      Path wrapper = bin.resolve(tool);
      Files.writeString(wrapper, "#!/bin/sh\nexec " + real + " \"$@\"\n");
      wrapper.toFile().setExecutable(true);
    }
    return bin;
  }

  @Test
  void missingCompilerIsOneMessageNotAFailure() throws Exception {
    Path bin = pathWithoutCompilers();
    Path out = dir.resolve("native");
    Path resources = dir.resolve("resources");
    ProcessBuilder builder =
        new ProcessBuilder(
            "/bin/sh", SCRIPT.toString(), SOURCE.toString(), out.toString(), resources.toString());
    builder.environment().put("PATH", bin.toString());
    builder.environment().remove("CC");
    builder.environment().remove("MINGW_CC");
    DemoBinaries.Result result = DemoBinaries.run(builder);

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output())
        .contains("[demo] WARNING: no C compiler (gcc) on the PATH")
        .contains("apt-get install gcc")
        .contains("apt-get install mingw-w64");
    assertThat(out.resolve("demo")).doesNotExist();
    assertThat(out.resolve("demo.exe")).doesNotExist();
  }

  @Test
  void aSourceThatDoesNotCompileFailsTheBuild() throws Exception {
    DemoBinaries.requireTool("gcc");
    Path broken = dir.resolve("broken.c");
    Files.writeString(broken, "int main(void) { return missing_function_here(; }\n");
    ProcessBuilder builder =
        new ProcessBuilder(
            "/bin/sh",
            SCRIPT.toString(),
            broken.toString(),
            dir.resolve("native").toString(),
            dir.resolve("resources").toString());
    builder.environment().put("MINGW_CC", "no-such-mingw-compiler");
    DemoBinaries.Result result = DemoBinaries.run(builder);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("[demo] ERROR: gcc could not compile");
  }
}
