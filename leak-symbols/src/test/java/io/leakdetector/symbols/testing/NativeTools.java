package io.leakdetector.symbols.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the machine's native tools (gcc, nm, readelf, objdump) for tests. */
public final class NativeTools {
  private NativeTools() {}

  /** Fails (with {@code CI=true}) or skips (otherwise) when {@code tool} is not on the PATH. */
  public static void requireTool(String tool) {
    if (onPath(tool)) {
      return;
    }
    String message = tool + " is not installed";
    if (System.getenv("CI") == null) {
      assumeTrue(false, message + "; skipped outside CI");
    }
    fail(message + "; it is required with CI=true");
  }

  public static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Compiles one C source with gcc and returns the output file. */
  public static Path compile(String source, Path dir, String name, String... flags)
      throws IOException, InterruptedException {
    requireTool("gcc");
    Path c = dir.resolve(name + ".c");
    Files.writeString(c, source);
    Path out = dir.resolve(name);
    List<String> command = new ArrayList<>(List.of("gcc"));
    command.addAll(List.of(flags));
    command.addAll(List.of("-o", out.toString(), c.toString()));
    run(command);
    return out;
  }

  /** Compiles a C source kept under {@code src/test/resources/fixtures/}. */
  public static Path compileFixture(String resource, Path dir, String name, String... flags)
      throws IOException, InterruptedException {
    try (var in = NativeTools.class.getResourceAsStream("/fixtures/" + resource)) {
      if (in == null) {
        throw new IOException("missing test resource /fixtures/" + resource);
      }
      return compile(new String(in.readAllBytes(), StandardCharsets.UTF_8), dir, name, flags);
    }
  }

  /** Runs a command, returns its standard output, fails the test on a non-zero exit. */
  public static String run(String... command) throws IOException, InterruptedException {
    return run(List.of(command));
  }

  public static String run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("timed out: " + command);
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      fail(command + " exited " + process.exitValue() + ":\n" + text);
    }
    return text;
  }
}
