package io.leakdetector.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles the test's fixture application now and packs it as an executable jar. */
final class FixtureJar {
  static final String MAIN_CLASS = "AgentFixture";

  private FixtureJar() {}

  /** {@code dir/fixture.jar}, with {@value #MAIN_CLASS} as its Main-Class. */
  static Path build(Path dir) throws IOException {
    Path source = dir.resolve(MAIN_CLASS + ".java");
    try (InputStream in =
        FixtureJar.class.getResourceAsStream("/fixture/" + MAIN_CLASS + ".java")) {
      Files.copy(in, source);
    }
    Path classes = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status = javac.run(null, null, null, "-d", classes.toString(), "-g", source.toString());
    assertThat(status).as("javac " + source).isZero();

    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, MAIN_CLASS);
    Path jar = dir.resolve("fixture.jar");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest);
        var stream = Files.list(classes)) {
      for (Path clazz : stream.toList()) {
        out.putNextEntry(new JarEntry(clazz.getFileName().toString()));
        Files.copy(clazz, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  /** The java launcher of this JVM. */
  static List<String> java() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
