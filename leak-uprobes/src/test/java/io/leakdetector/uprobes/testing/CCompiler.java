package io.leakdetector.uprobes.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Compiles C test programs with gcc at test time. */
public final class CCompiler {
  private CCompiler() {}

  /** Whether gcc runs here. */
  public static boolean available() {
    try {
      Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Compiles {@code source} (a test resource or file) to {@code output} with the given flags. */
  public static Path compile(Path source, Path output, String... flags) throws IOException {
    Prerequisites.require(available(), "gcc");
    List<String> command = new ArrayList<>();
    command.add("gcc");
    command.addAll(List.of(flags));
    command.add("-o");
    command.add(output.toString());
    command.add(source.toString());
    command.add("-lpthread");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("gcc failed: " + command + "\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return output;
  }

  /** Writes {@code code} to {@code dir/name.c} and compiles it. */
  public static Path compileSource(Path dir, String name, String code, String... flags)
      throws IOException {
    Path source = dir.resolve(name + ".c");
    Files.writeString(source, code);
    return compile(source, dir.resolve(name), flags);
  }

  /** Runs a program and returns its standard output. */
  public static String run(Path program) throws IOException {
    Process p = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(program + " failed:\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return out;
  }

  /** The path of a file under {@code src/test/c}. */
  /**
   * Compiles the threaded fixture {@code src/test/c/NAME.c} as the tracing tests build it ({@code
   * -O1 -fno-omit-frame-pointer -g -pthread}), once this machine may trace with uprobes (skipped
   * outside CI, failing with {@code CI=true}, when it may not).
   */
  public static Path traceableFixture(Path dir, String name) throws java.io.IOException {
    Prerequisites.requireUprobes();
    return compile(
        testSource(name + ".c"),
        dir.resolve(name),
        "-O1",
        "-fno-omit-frame-pointer",
        "-g",
        "-pthread");
  }

  public static Path testSource(String name) {
    Path p = Path.of("src/test/c", name);
    if (!Files.exists(p)) {
      p = Path.of("leak-uprobes/src/test/c", name);
    }
    return p.toAbsolutePath();
  }
}
