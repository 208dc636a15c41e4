package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stacks a user can act on (issue 10, must-show 1): fixtures compiled here, each leaking on known
 * caller paths, traced in launch mode with the default unwinding. Per path the report has one stack
 * with the exact outstanding count and bytes, that stack holds the leaking function and its callers
 * up to {@code main}, names are demangled, and every frame's function and file:line equal {@code
 * addr2line -i -f -C}'s at the call instruction.
 */
class StacksIT {
  private static final List<Path> SYSTEM_LIBS =
      List.of(Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/lib/x86_64-linux-gnu"));

  @TempDir Path dir;

  /** A caller path of a fixture: the functions from the leaking one to main, and its leak. */
  record Leak(List<String> callers, long count, long bytes) {}

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
    Prerequisite.require(Prerequisite.onPath("g++").isPresent(), "g++ is not installed");
    Prerequisite.require(Prerequisite.onPath("addr2line").isPresent(), "binutils is missing");
  }

  @Test
  void aWrapperCalledFromTwoPathsWithoutFramePointers() throws Exception {
    Path exe = compile("gcc", "wrapper.c", "wrapper", "-O2", "-g", "-fomit-frame-pointer");
    JsonNode report = trace(exe);
    assertLeaks(
        report,
        exe,
        List.of(
            new Leak(List.of("xmalloc", "parse_config", "main"), 3, 3 * 48),
            new Leak(
                List.of("xmalloc", "copy_block", "read_block", "load_blocks", "main"),
                5,
                5 * 200)));
  }

  @Test
  void cxxLeaksThroughNewStringAndVectorWithFramePointers() throws Exception {
    cxxLeaks("-fno-omit-frame-pointer");
  }

  @Test
  void cxxLeaksThroughNewStringAndVectorWithoutFramePointers() throws Exception {
    cxxLeaks("-fomit-frame-pointer");
  }

  @Test
  void aFramePointerLessLibraryBetweenTwoFramePointerModules() throws Exception {
    copyResource("top.c");
    copyResource("mid.c");
    Commands.run(
        List.of(
            "gcc",
            "-O2",
            "-g",
            "-fno-omit-frame-pointer",
            "-shared",
            "-fPIC",
            "-o",
            dir.resolve("libtop.so").toString(),
            dir.resolve("top.c").toString()));
    Commands.run(
        List.of(
            "gcc",
            "-O2",
            "-g",
            "-fomit-frame-pointer",
            "-shared",
            "-fPIC",
            "-o",
            dir.resolve("libmid.so").toString(),
            dir.resolve("mid.c").toString(),
            "-L" + dir,
            "-ltop",
            "-Wl,-rpath,$ORIGIN"));
    Path exe =
        compile(
            "gcc",
            "layered.c",
            "layered",
            "-O2",
            "-g",
            "-fno-omit-frame-pointer",
            "-L" + dir,
            "-lmid",
            "-ltop",
            "-Wl,-rpath,$ORIGIN");
    JsonNode report = trace(exe);
    assertLeaks(
        report,
        exe,
        List.of(
            new Leak(
                List.of("top_alloc", "mid_inner", "mid_entry", "layered_work", "main"),
                6,
                16 + 18 + 20 + 22 + 24 + 26)));
  }

  private void cxxLeaks(String framePointers) throws Exception {
    Path exe = compile("g++", "leaks.cc", "leaks", "-O2", "-g", framePointers);
    JsonNode report = trace(exe);
    List<String> fill = List.of("store::Registry::fill(int)", "main");
    assertLeaks(
        report,
        exe,
        List.of(
            new Leak(with("make_node(int)", fill), 4, 4 * 40),
            new Leak(with("make_array(int)", fill), 4, 4 * 100),
            // the std::string object, then its characters (64 + i of them, and the terminator)
            new Leak(with("make_name[abi:cxx11](int)", fill), 4, 4 * 32),
            new Leak(with("make_name[abi:cxx11](int)", fill), 4, 65 + 66 + 67 + 68),
            // the std::vector object, then the room reserve() made (16 + i longs)
            new Leak(with("make_list(int)", fill), 4, 4 * 24),
            new Leak(with("make_list(int)", fill), 4, 8 * (16 + 17 + 18 + 19))));
  }

  private static List<String> with(String first, List<String> rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all;
  }

  private void assertLeaks(JsonNode report, Path exe, List<Leak> leaks) throws Exception {
    JsonNode stacks = report.get("stacks");
    List<Path> searchPath = new ArrayList<>(List.of(exe.getParent()));
    searchPath.addAll(SYSTEM_LIBS);
    StackGroundTruth truth = new StackGroundTruth(searchPath);
    for (Leak leak : leaks) {
      JsonNode match = null;
      for (JsonNode stack : stacks) {
        if (stack.get("outstandingCount").asLong() == leak.count()
            && stack.get("outstandingBytes").asLong() == leak.bytes()
            && containsInOrder(functions(stack), leak.callers())) {
          match = stack;
        }
      }
      assertThat(match)
          .as(
              "a stack with %d blocks, %d bytes through %s in %s",
              leak.count(), leak.bytes(), leak.callers(), describe(stacks))
          .isNotNull();
      for (String function : functions(match)) {
        assertThat(function).as("demangled").doesNotStartWith("_Z");
      }
      truth.assertFramesMatch(match.get("frames"), String.join(" <- ", leak.callers()));
    }
  }

  private static List<String> functions(JsonNode stack) {
    List<String> names = new ArrayList<>();
    for (JsonNode frame : stack.get("frames")) {
      names.add(frame.path("function").asText(""));
    }
    return names;
  }

  /** Whether {@code expected} appears in {@code names} as consecutive non-inlined callers. */
  private static boolean containsInOrder(List<String> names, List<String> expected) {
    int at = 0;
    for (String name : names) {
      if (at < expected.size() && name.equals(expected.get(at))) {
        at++;
      } else if (at > 0 && at < expected.size()) {
        return false;
      }
    }
    return at == expected.size();
  }

  private static String describe(JsonNode stacks) {
    StringBuilder text = new StringBuilder();
    for (JsonNode stack : stacks) {
      text.append("\n  ")
          .append(stack.get("outstandingCount"))
          .append(" blocks, ")
          .append(stack.get("outstandingBytes"))
          .append(" bytes: ");
      for (JsonNode frame : stack.get("frames")) {
        text.append(frame.path("text").asText()).append(" | ");
      }
    }
    return text.toString();
  }

  private JsonNode trace(Path exe) throws Exception {
    Path json = dir.resolve(exe.getFileName() + ".json");
    try (Tool tool =
        Tool.start(
            dir,
            Map.of(),
            "--format",
            "json",
            "-o",
            json.toString(),
            "-T",
            "0",
            "-i",
            "60",
            // every frame, allocator internals too, so that each address's frames are all there
            "--skip-frames",
            "none",
            "--",
            exe.toString())) {
      Tool.Finished run = tool.awaitExit(120);
      assertThat(run.exitCode()).as(run.err()).isZero();
    }
    JsonNode last = FinalJsonReport.read(json);
    assertThat(last.get("exact").asBoolean()).as(last.toString()).isTrue();
    return last;
  }

  private Path compile(String compiler, String source, String name, String... flags)
      throws IOException {
    copyResource(source);
    List<String> command = new ArrayList<>(List.of(compiler));
    command.addAll(List.of(flags));
    command.addAll(List.of("-o", dir.resolve(name).toString(), dir.resolve(source).toString()));
    // libraries named by -l must follow the source
    List<String> ordered = new ArrayList<>();
    List<String> libs = new ArrayList<>();
    for (String part : command) {
      (part.startsWith("-l") || part.startsWith("-L") || part.startsWith("-Wl") ? libs : ordered)
          .add(part);
    }
    ordered.addAll(libs);
    Commands.run(ordered);
    return dir.resolve(name);
  }

  private void copyResource(String name) throws IOException {
    try (InputStream in = StacksIT.class.getResourceAsStream("/stacks/" + name)) {
      assertThat(in).as("test resource /stacks/" + name).isNotNull();
      Files.write(dir.resolve(name), in.readAllBytes());
    }
  }
}
