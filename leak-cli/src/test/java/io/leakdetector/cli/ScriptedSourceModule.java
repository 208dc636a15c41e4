package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Compiles the test-only scripted source into a module of its own ({@code
 * io.leakdetector.testsource}, an exploded folder), so that the real launcher finds it on the
 * module path through {@code LEAKDETECTOR_MODULE_PATH}.
 */
final class ScriptedSourceModule {
  private static final Path SOURCE =
      Path.of("src/test/java/io/leakdetector/clitest/ScriptedSourceProvider.java");

  private ScriptedSourceModule() {}

  /** Builds the module under {@code dir} and returns its folder. */
  static synchronized Path build(Path dir) throws IOException {
    Path src = dir.resolve("src");
    Path out = dir.resolve("io.leakdetector.testsource");
    Path pkg = src.resolve("io/leakdetector/clitest");
    Files.createDirectories(pkg);
    Files.copy(SOURCE, pkg.resolve("ScriptedSourceProvider.java"));
    Files.writeString(
        src.resolve("module-info.java"),
        "module io.leakdetector.testsource {\n"
            + "  requires io.leakdetector.api;\n"
            + "  provides io.leakdetector.spi.HeapEventSourceProvider with\n"
            + "      io.leakdetector.clitest.ScriptedSourceProvider;\n"
            + "}\n");
    Path api;
    try (Stream<Path> jars = Files.list(Dist.home().resolve("lib"))) {
      api =
          jars.filter(p -> p.getFileName().toString().startsWith("leak-api-"))
              .findFirst()
              .orElseThrow();
    }
    // The javac of the JDK running the tests, as a process: the test classes live in a named
    // module that does not read java.compiler.
    Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
    assertThat(javac).as("a JDK's javac").isExecutable();
    Process process =
        new ProcessBuilder(
                javac.toString(),
                "--release",
                "17",
                "-d",
                out.toString(),
                "--module-path",
                api.toString(),
                src.resolve("module-info.java").toString(),
                pkg.resolve("ScriptedSourceProvider.java").toString())
            .redirectErrorStream(true)
            .start();
    String messages = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      assertThat(process.waitFor()).as(messages).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while compiling the scripted source", e);
    }
    return out;
  }
}
