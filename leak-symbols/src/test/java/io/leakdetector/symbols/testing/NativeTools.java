package io.leakdetector.symbols.testing;

import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the machine's native tools (gcc, nm, readelf, objdump) for tests. */
public final class NativeTools {
  private NativeTools() {}

  /** Fails (in CI) or skips (otherwise) when {@code tool} is not on the PATH. */
  public static void requireTool(String tool) {
    Prerequisite.require(onPath(tool), tool + " is not installed");
  }

  public static boolean onPath(String tool) {
    return Prerequisite.onPath(tool).isPresent();
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
    return Commands.run(command);
  }
}
