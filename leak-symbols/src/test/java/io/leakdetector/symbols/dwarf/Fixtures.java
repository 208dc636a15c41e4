package io.leakdetector.symbols.dwarf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the DWARF fixtures (sources under {@code src/test/resources/fixtures/dwarf/}) the way a
 * project builds: sources in {@code src/}, headers in {@code include/}, compiled from the project
 * folder with relative paths, so the DWARF records relative directories joined with the compilation
 * directory.
 */
final class Fixtures {
  private Fixtures() {}

  /** The C++ fixture: always_inline helpers, header-defined members and templates, lambdas. */
  static final String CPP = "inlines.cpp";

  /** The C fixture: header-defined static inline helpers, loops with discriminators, cold code. */
  static final String C = "inlines.c";

  /**
   * Compiles {@code source} in {@code project} with {@code flags} (after {@code -O2 -g}) into
   * {@code name}.
   */
  static Path build(Path project, String source, String name, String... flags) {
    copy(project, "src/" + CPP, CPP);
    copy(project, "src/" + C, C);
    copy(project, "include/shapes.h", "shapes.h");
    copy(project, "include/helpers.h", "helpers.h");
    String compiler = source.endsWith(".cpp") ? "g++" : "gcc";
    Tools.require(compiler, compiler.equals("g++") ? "g++" : "gcc");
    List<String> command = new ArrayList<>(List.of(compiler, "-O2", "-g"));
    command.addAll(List.of(flags));
    command.addAll(List.of("-I", "include", "-o", name, "src/" + source));
    Tools.run(command, project, "");
    return project.resolve(name);
  }

  /** {@code objcopy args… input output}, returning the output. */
  static Path objcopy(Path input, Path output, String... args) {
    Tools.require("objcopy", "binutils");
    List<String> command = new ArrayList<>(List.of("objcopy"));
    command.addAll(List.of(args));
    command.addAll(List.of(input.toString(), output.toString()));
    Tools.run(command, null, "");
    return output;
  }

  private static void copy(Path project, String target, String resource) {
    Path file = project.resolve(target);
    if (Files.exists(file)) {
      return;
    }
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/dwarf/" + resource)) {
      if (in == null) {
        throw new AssertionError("missing test resource /fixtures/dwarf/" + resource);
      }
      Files.createDirectories(file.getParent());
      Files.write(file, in.readAllBytes());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
