package io.leakdetector.symbols.demangle;

import io.leakdetector.symbols.testing.NativeTools;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The trusted demanglers the tests compare with, and the compilers of their fixtures: {@code
 * c++filt -i} (binutils: libiberty, no Rust hashes, {@code std::string} not expanded) and {@code
 * rustc-demangle} (Rust's own, built from the toolchain's sysroot), {@code nm}, {@code g++} and
 * {@code rustc}.
 */
final class ReferenceDemanglers {
  private ReferenceDemanglers() {}

  /** c++filt's reading of each name, in order (names are passed on standard input). */
  static List<String> cxxfilt(List<String> names, Path dir) throws IOException {
    NativeTools.requireTool("c++filt");
    return filter(List.of("c++filt", "-i"), Map.of(), names, dir);
  }

  /** rustc-demangle's reading of each name, through {@code oracle} ({@link #rustcDemangle}). */
  static List<String> rustcDemangle(Path oracle, List<String> names, Path dir) throws IOException {
    return filter(List.of(oracle.toString()), Map.of(), names, dir);
  }

  /** Compiles the rustc-demangle program (needs rustc; see {@link #rustc}). */
  static Path rustcDemangle(Path dir) throws IOException {
    return compileRust("rustc_demangle_oracle.rs", dir, "rustc_demangle_oracle");
  }

  /**
   * The rustc of this machine: on the PATH or in {@code ~/.cargo/bin} (where rustup puts it, not on
   * the PATH of a non-login shell). Skips outside CI, fails in CI, when there is none.
   */
  static Path rustc() {
    Optional<Path> found = Prerequisite.onPath("rustc");
    if (found.isEmpty()) {
      Path cargo = Path.of(System.getProperty("user.home"), ".cargo", "bin", "rustc");
      found = Files.isExecutable(cargo) ? Optional.of(cargo) : Optional.empty();
    }
    Prerequisite.require(found.isPresent(), "rustc is not installed (rustup, ~/.cargo/bin)");
    return found.orElseThrow();
  }

  /**
   * Compiles a Rust fixture from {@code src/test/resources/fixtures/demangle/}. {@code
   * RUSTC_BOOTSTRAP=1} lets a stable rustc take what the fixtures need of nightly: legacy mangling
   * ({@code -Z unstable-options} since v0 became the default), constant parameters of struct types,
   * and the sysroot's rustc-demangle crate.
   */
  static Path compileRust(String resource, Path dir, String name, String... flags)
      throws IOException {
    Path source = dir.resolve(resource);
    Files.writeString(source, resourceText(resource));
    Path out = dir.resolve(name);
    List<String> command = new ArrayList<>(List.of(rustc().toString(), "--edition=2021"));
    command.addAll(List.of(flags));
    command.addAll(List.of("-o", out.toString(), source.toString()));
    run(command, Map.of("RUSTC_BOOTSTRAP", "1"), dir);
    return out;
  }

  /** Compiles the C++ fixture with g++ and {@code flags}. */
  static Path compileCpp(String resource, Path dir, String name, String... flags)
      throws IOException {
    NativeTools.requireTool("g++");
    Path source = dir.resolve(resource);
    Files.writeString(source, resourceText(resource));
    Path out = dir.resolve(name);
    List<String> command = new ArrayList<>(List.of("g++"));
    command.addAll(List.of(flags));
    command.addAll(List.of("-o", out.toString(), source.toString()));
    run(command, Map.of(), dir);
    return out;
  }

  /** The distinct symbol names {@code nm} lists (with {@code -D}: the dynamic ones). */
  static List<String> symbols(Path binary, boolean dynamic, Path dir) throws IOException {
    NativeTools.requireTool("nm");
    List<String> command = new ArrayList<>(List.of("nm"));
    if (dynamic) {
      command.add("-D");
    }
    command.add(binary.toString());
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (String line : run(command, Map.of(), dir).split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 2) {
        names.add(fields[fields.length - 1]);
      }
    }
    return List.copyOf(names);
  }

  private static String resourceText(String resource) throws IOException {
    try (var in = ReferenceDemanglers.class.getResourceAsStream("/fixtures/demangle/" + resource)) {
      if (in == null) {
        throw new IOException("missing test resource /fixtures/demangle/" + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Runs a filter with one name a line on standard input; one output line per name. */
  private static List<String> filter(
      List<String> command, Map<String, String> env, List<String> names, Path dir)
      throws IOException {
    Path input = Files.createTempFile(dir, "names", ".txt");
    Files.write(input, names, StandardCharsets.UTF_8);
    List<String> lines = List.of(run(command, env, dir, input).split("\n", -1));
    List<String> result = lines.subList(0, Math.max(0, lines.size() - 1)); // after the last \n
    if (result.size() != names.size()) {
      throw new AssertionError(
          command + " printed " + result.size() + " lines for " + names.size() + " names");
    }
    return result;
  }

  private static String run(List<String> command, Map<String, String> env, Path dir)
      throws IOException {
    return run(command, env, dir, null);
  }

  private static String run(List<String> command, Map<String, String> env, Path dir, Path input)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().putAll(env);
    Path errors = Files.createTempFile(dir, "stderr", ".txt");
    builder.redirectError(errors.toFile());
    if (input != null) {
      builder.redirectInput(input.toFile());
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(300, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    if (process.exitValue() != 0) {
      throw new AssertionError(command + " failed:\n" + Files.readString(errors));
    }
    return output;
  }
}
