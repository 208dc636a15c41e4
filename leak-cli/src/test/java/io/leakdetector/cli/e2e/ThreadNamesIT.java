package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stacks split by thread name, and the thread filter, on a fixture compiled here whose threads
 * {@code worker-a} and {@code worker-b} (named with {@code pthread_setname_np}) leak 3 and 5 blocks
 * on identical stacks, and where worker-b frees one block worker-a allocated. Attached with {@code
 * -p} before anything leaks, in both designs of the Linux source; the final report comes on Ctrl+C
 * while the threads still live.
 */
class ThreadNamesIT {
  private static final int BLOCK = 48;

  @TempDir Path dir;

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
    Prerequisite.require(Prerequisite.onPath("gcc").isPresent(), "gcc is not installed");
  }

  @ParameterizedTest(name = "uprobes.mode={0}")
  @ValueSource(strings = {"bpf", "per-thread"})
  void byThreadSplitsTheSameStackIntoOnePerThreadWithExactCounts(String mode) throws Exception {
    JsonNode report = trace(mode, "--by-thread");
    List<JsonNode> leaking = leakBlockStacks(report);
    assertThat(leaking).as(describe(report)).hasSize(2);
    JsonNode a = byThread(leaking, "worker-a");
    JsonNode b = byThread(leaking, "worker-b");
    assertThat(frameTexts(a)).as("the same frames").isEqualTo(frameTexts(b));
    // worker-a made 4 blocks, of which worker-b freed one: the free is worker-a's stack's
    assertCounts(a, 4, 1);
    assertCounts(b, 5, 0);
    assertThat(report.has("filteredAllocations")).isFalse();
    assertThat(report.get("unmatchedFrees").asLong()).isZero();
    for (JsonNode stack : report.get("stacks")) {
      assertThat(stack.get("threadName").asText()).as("every stack has a thread").isNotEmpty();
    }
  }

  @ParameterizedTest(name = "uprobes.mode={0}")
  @ValueSource(strings = {"bpf", "per-thread"})
  void theThreadFilterCountsOnlyMatchingThreads(String mode) throws Exception {
    JsonNode report = trace(mode, "--threads", "^worker-a$");
    for (JsonNode stack : report.get("stacks")) {
      assertThat(stack.get("threadName").asText()).isEqualTo("worker-a");
    }
    List<JsonNode> leaking = leakBlockStacks(report);
    assertThat(leaking).as(describe(report)).hasSize(1);
    // worker-b is filtered out, yet its free of worker-a's block is matched
    assertCounts(leaking.get(0), 4, 1);
    assertThat(report.get("filteredAllocations").asLong()).isGreaterThanOrEqualTo(5);
    assertThat(report.get("unmatchedFrees").asLong()).isZero();
    assertThat(report.get("exact").asBoolean()).as(report.toString()).isTrue();
    long stacksOutstanding = 0;
    for (JsonNode stack : report.get("stacks")) {
      stacksOutstanding += stack.get("outstandingCount").asLong();
    }
    assertThat(report.get("totals").get("outstandingCount").asLong())
        .as("the totals hold only worker-a's blocks")
        .isEqualTo(stacksOutstanding);
  }

  @org.junit.jupiter.api.Test
  void aJvmsCompilerThreadsAreTracedAndFilteredByTheirNames() throws Exception {
    // the source launcher compiles the program with javac in the target: plenty of JIT work
    Path program = dir.resolve("Busy.java");
    Files.writeString(
        program,
        "public class Busy { public static void main(String[] a) { long s = 0;"
            + " for (int i = 0; i < 200_000; i++) { s += String.format(\"%d\", i).hashCode(); }"
            + " System.out.println(s); } }");
    String java = ProcessHandle.current().info().command().orElse("java");
    Path json = dir.resolve("jvm.json");
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
            "--threads",
            "^C[12] CompilerThre",
            "--",
            java,
            program.toString())) {
      Tool.Finished run = tool.awaitExit(120);
      assertThat(run.exitCode()).as(run.err()).isZero();
    }
    JsonNode report = FinalJsonReport.read(json);
    assertThat(report.get("stacks")).as("the JIT compilers' native allocations").isNotEmpty();
    for (JsonNode stack : report.get("stacks")) {
      assertThat(stack.get("threadName").asText()).matches("C[12] CompilerThre");
    }
    assertThat(report.get("filteredAllocations").asLong())
        .as("the other threads' allocations, the main thread's among them")
        .isPositive();
  }

  private static void assertCounts(JsonNode stack, long allocs, long frees) {
    assertThat(stack.get("allocCount").asLong()).as(stack.toString()).isEqualTo(allocs);
    assertThat(stack.get("freeCount").asLong()).as(stack.toString()).isEqualTo(frees);
    assertThat(stack.get("outstandingCount").asLong()).isEqualTo(allocs - frees);
    assertThat(stack.get("outstandingBytes").asLong()).isEqualTo((allocs - frees) * BLOCK);
  }

  private static JsonNode byThread(List<JsonNode> stacks, String thread) {
    return stacks.stream()
        .filter(s -> s.get("threadName").asText().equals(thread))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no stack of " + thread + " in " + stacks));
  }

  private static List<JsonNode> leakBlockStacks(JsonNode report) {
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode stack : report.get("stacks")) {
      for (JsonNode frame : stack.get("frames")) {
        if ("leak_block".equals(frame.path("function").asText())) {
          found.add(stack);
          break;
        }
      }
    }
    return found;
  }

  private static List<String> frameTexts(JsonNode stack) {
    List<String> texts = new ArrayList<>();
    stack.get("frames").forEach(f -> texts.add(f.get("text").asText()));
    return texts;
  }

  private static String describe(JsonNode report) {
    StringBuilder text = new StringBuilder();
    for (JsonNode stack : report.get("stacks")) {
      text.append("\n  ")
          .append(stack.path("threadName").asText("-"))
          .append(": ")
          .append(stack.get("outstandingCount"))
          .append(" blocks: ")
          .append(frameTexts(stack));
    }
    return text.toString();
  }

  /** Runs the fixture traced with {@code options}; returns the final JSON report. */
  private JsonNode trace(String mode, String... options) throws Exception {
    Path exe = compile();
    Path json = dir.resolve("report-" + mode + ".json");
    Path fixtureOut = dir.resolve("fixture-" + mode + ".out");
    Process fixture =
        new ProcessBuilder(exe.toString())
            .redirectOutput(fixtureOut.toFile())
            .redirectErrorStream(true)
            .start();
    try (OutputStream input = fixture.getOutputStream()) {
      awaitOutput(fixtureOut, "ready\n");
      List<String> args =
          new ArrayList<>(
              List.of(
                  "-p",
                  Long.toString(fixture.pid()),
                  "--format",
                  "json",
                  "-o",
                  json.toString(),
                  "-T",
                  "0",
                  "--source-option",
                  "uprobes.mode=" + mode));
      args.addAll(List.of(options));
      try (Tool tool = Tool.start(dir, Map.of(), args.toArray(String[]::new))) {
        assertThat(tool.awaitTracing("uprobes")).isEqualTo(fixture.pid());
        input.write("go\n".getBytes(StandardCharsets.US_ASCII));
        input.flush();
        awaitOutput(fixtureOut, "leaked\n");
        tool.signal("INT");
        Tool.Finished run = tool.awaitExit(60);
        assertThat(run.exitCode()).as(run.err()).isZero();
      }
    } finally {
      if (!fixture.waitFor(10, TimeUnit.SECONDS)) {
        fixture.destroyForcibly();
        fixture.waitFor(10, TimeUnit.SECONDS);
        fail("the fixture did not end at its input's end");
      }
    }
    assertThat(fixture.exitValue()).as(Files.readString(fixtureOut)).isZero();
    return FinalJsonReport.read(json);
  }

  private static void awaitOutput(Path out, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.readString(out).contains(text)) {
      if (System.nanoTime() > deadline) {
        fail("the fixture did not print '" + text.trim() + "': " + Files.readString(out));
      }
      Thread.sleep(10);
    }
  }

  private Path compile() throws IOException {
    Path source = dir.resolve("named_threads.c");
    try (InputStream in = ThreadNamesIT.class.getResourceAsStream("/threads/named_threads.c")) {
      assertThat(in).as("test resource /threads/named_threads.c").isNotNull();
      Files.write(source, in.readAllBytes());
    }
    Path exe = dir.resolve("named_threads");
    Commands.run(
        List.of(
            "gcc",
            "-O1",
            "-g",
            "-fno-omit-frame-pointer",
            "-pthread",
            "-o",
            exe.toString(),
            source.toString()));
    return exe;
  }
}
