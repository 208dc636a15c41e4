package io.leakdetector.uprobes.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's aarch64 cross toolchain ({@code gcc-aarch64-linux-gnu} with {@code
 * libc6-dev-arm64-cross}): the arm64 kernel uapi headers, an assembler and an arm64 glibc, so the
 * aarch64 numbers of the source can be checked on an x86-64 machine, the way the Windows code is
 * checked with mingw-w64.
 */
public final class Aarch64Toolchain {
  private Aarch64Toolchain() {}

  private static final String PREFIX = "aarch64-linux-gnu-";

  /** What a tool printed and how it exited. */
  public record Result(int exitCode, String output) {}

  /**
   * Skips outside CI, fails under {@code CI=true}, when the toolchain or its headers are absent.
   */
  public static void require() {
    Prerequisites.require(
        available(),
        PREFIX
            + "gcc with the arm64 headers (Debian: apt-get install gcc-aarch64-linux-gnu"
            + " libc6-dev-arm64-cross)");
  }

  private static boolean available() {
    try {
      Result r = run("gcc", "-print-file-name=libc.so.6");
      return r.exitCode() == 0 && Files.isRegularFile(Path.of(r.output().trim()));
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs {@code aarch64-linux-gnu-TOOL ARGS…} and returns its exit code and output. */
  public static Result run(String tool, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(PREFIX + tool);
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + command);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Result(p.exitValue(), out);
  }

  /** Runs a tool that must succeed and returns its output. */
  public static String runOrFail(String tool, String... args) throws IOException {
    Result r = run(tool, args);
    if (r.exitCode() != 0) {
      throw new IOException(PREFIX + tool + " " + List.of(args) + " failed:\n" + r.output());
    }
    return r.output();
  }

  /** The arm64 glibc of the cross toolchain ({@code libc6-arm64-cross}). */
  public static Path libc() throws IOException {
    return Path.of(runOrFail("gcc", "-print-file-name=libc.so.6").trim()).normalize();
  }

  /** The raw bytes of one section of an object file ({@code objcopy -O binary -j SECTION}). */
  public static byte[] section(Path object, String section, Path dir) throws IOException {
    Path out = dir.resolve(object.getFileName() + section + ".bin");
    runOrFail("objcopy", "-O", "binary", "-j", section, object.toString(), out.toString());
    return Files.readAllBytes(out);
  }
}
