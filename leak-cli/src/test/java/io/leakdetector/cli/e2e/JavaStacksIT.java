package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.leakdetector.Frame;
import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java processes (issue 11, must-show 1 and 3): a Java fixture compiled here ({@code
 * JavaLeaks.java} with a JNI library of its own) leaks from distinct Java methods through {@code
 * Deflater}s never ended, direct buffers kept, its JNI library, and a loop hot enough to be
 * JIT-compiled. Traced from outside (with and without {@code -XX:+PreserveFramePointer}) and by
 * itself: every leak's stack names the leaking Java method and its Java callers above the native
 * frames, never another of the fixture's methods, and the outstanding blocks per Java method are
 * exact (must-show 1 and 3). The Java frames of each leak's stacks equal those async-profiler 4.2's
 * {@code nativemem} records for the same fixture, run as an agent in a JVM of its own (must-show
 * 2).
 */
class JavaStacksIT {
  private static final int DEFLATERS = 8;
  private static final int BUFFERS = 5;
  private static final int JNI_BLOCKS = 7;
  private static final int ITERATIONS = 300_000;

  /** Mallocs per Deflater: the z_stream in Deflater.init, five in deflateInit2_. */
  private static final int MALLOCS_PER_DEFLATER = 6;

  /**
   * A leak: the Java method, the function its blocks come through (a JNI function, or the Java
   * native method), how many stay, and the fixture's methods on its stacks, innermost first.
   */
  record Leak(String method, String allocatedIn, long count, List<String> fixtureFrames) {}

  private static final List<Leak> LEAKS =
      List.of(
          new Leak(
              "JavaLeaks.leakDeflaters",
              "Java_java_util_zip_Deflater_init",
              (long) DEFLATERS * MALLOCS_PER_DEFLATER,
              List.of("JavaLeaks.leakDeflaters", "JavaLeaks.main")),
          new Leak(
              "JavaLeaks.leakDirectBuffers",
              // its JNI function is a tail call into os::malloc in JDK 25's libjvm: the Java native
              // method
              "jdk.internal.misc.Unsafe.allocateMemory0",
              BUFFERS,
              List.of("JavaLeaks.leakDirectBuffers", "JavaLeaks.main")),
          new Leak(
              "JavaLeaks.leakThroughJni",
              "jnileak_allocate",
              JNI_BLOCKS,
              List.of("JavaLeaks.nativeAlloc", "JavaLeaks.leakThroughJni", "JavaLeaks.main")),
          // compiled: allocateBlock is inlined into churnCompiled, a frame of its own all the same
          new Leak(
              "JavaLeaks.churnCompiled",
              "jnileak_allocate",
              ITERATIONS / 1000,
              List.of(
                  "JavaLeaks.nativeAlloc",
                  "JavaLeaks.allocateBlock",
                  "JavaLeaks.churnCompiled",
                  "JavaLeaks.main")));

  /** One reported stack: its outstanding blocks and frames, innermost first. */
  record Stack(long count, List<Frame> frames) {}

  @TempDir Path dir;
  private Path library;

  @BeforeEach
  void build() throws Exception {
    Distribution.requireRealTracing(dir);
    Prerequisite.require(Prerequisite.onPath("gcc").isPresent(), "gcc is not installed");
    for (String source : List.of("JavaLeaks.java", "SelfWatch.java", "jnileak.c")) {
      try (InputStream in = JavaStacksIT.class.getResourceAsStream("/java/" + source)) {
        assertThat(in).as("test resource /java/" + source).isNotNull();
        Files.write(dir.resolve(source), in.readAllBytes());
      }
    }
    Path javaHome = Path.of(System.getProperty("java.home"));
    library = dir.resolve("libjnileak.so");
    Commands.run(
        List.of(
            "gcc",
            "-O2",
            "-g",
            "-shared",
            "-fPIC",
            "-I" + javaHome.resolve("include"),
            "-I" + javaHome.resolve("include/linux"),
            "-o",
            library.toString(),
            dir.resolve("jnileak.c").toString()));
    Commands.run(
        List.of(
            javaHome.resolve("bin/javac").toString(),
            "-cp",
            Distribution.home().resolve("lib") + "/*",
            "-d",
            dir.toString(),
            dir.resolve("JavaLeaks.java").toString(),
            dir.resolve("SelfWatch.java").toString()));
  }

  @Test
  void tracedFromOutsideWithPreserveFramePointer() throws Exception {
    assertLeaks(traceFromOutside("-XX:+PreserveFramePointer"));
  }

  @Test
  void tracedFromOutsideWithoutPreserveFramePointer() throws Exception {
    // compiled frames are left by their code blob's frame size, read from the JVM's code cache
    assertLeaks(traceFromOutside("-XX:-PreserveFramePointer"));
  }

  @Test
  void javaFramesEqualAsyncProfilersNativemem() throws Exception {
    List<Stack> ours = traceFromOutside("-XX:+PreserveFramePointer");
    AsyncProfilerNativemem.Recording theirs;
    try (AsyncProfilerNativemem profiler = AsyncProfilerNativemem.extract()) {
      List<String> args = java("-XX:+PreserveFramePointer");
      theirs = profiler.record(dir, args.subList(1, args.size()));
    }
    for (Leak leak : LEAKS) {
      java.util.Set<List<String>> expected = new java.util.TreeSet<>(JavaStacksIT::compare);
      long theirCount = 0;
      for (AsyncProfilerNativemem.Stack stack : theirs.outstanding()) {
        List<String> java = stack.javaFrames();
        if (java.contains(leak.method())
            && stack.frames().stream().anyMatch(f -> f.name().equals(leak.allocatedIn()))) {
          expected.add(java);
          theirCount += stack.count();
        }
      }
      java.util.Set<List<String>> actual = new java.util.TreeSet<>(JavaStacksIT::compare);
      for (Stack stack : ours) {
        List<String> java = javaFrames(stack);
        if (java.contains(leak.method())
            && stack.frames().stream().anyMatch(f -> leak.allocatedIn().equals(f.function()))) {
          actual.add(java);
        }
      }
      assertThat(theirCount)
          .as("async-profiler's outstanding blocks of %s", leak)
          .isEqualTo(leak.count());
      assertThat(actual).as("the Java frames of %s's stacks", leak).isEqualTo(expected);
    }
  }

  private static int compare(List<String> a, List<String> b) {
    return a.toString().compareTo(b.toString());
  }

  @Test
  void tracingItself() throws Exception {
    List<String> command = new ArrayList<>(java("-XX:+PreserveFramePointer"));
    command.set(command.indexOf("-cp") + 1, dir + ":" + Distribution.home().resolve("lib") + "/*");
    command.add("self");
    String out = Commands.run(command);
    List<Stack> stacks = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^stack (\\d+) (.*)$").matcher(out);
    while (m.find()) {
      List<Frame> frames = new ArrayList<>();
      for (String frame : m.group(2).split(" ;; ")) {
        String[] parts = frame.split("\\|", -1);
        frames.add(frame(parts[0], parts[1], parts[2], Integer.parseInt(parts[3])));
      }
      stacks.add(new Stack(Long.parseLong(m.group(1)), frames));
    }
    assertThat(value(out, "lostRecords")).as(out).isZero();
    assertThat(value(out, "excludedEvents")).as("the detector's own events, dropped").isPositive();
    assertThat(value(out, "detector"))
        .as("blocks on stacks of the detector's own threads:%n%s", out)
        .isZero();
    assertLeaks(stacks);
  }

  private static long value(String out, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " (-?\\d+)$").matcher(out);
    assertThat(m.find()).as("%s in%n%s", name, out).isTrue();
    return Long.parseLong(m.group(1));
  }

  private List<String> java(String framePointers) {
    return new ArrayList<>(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            framePointers,
            "-Djnileak.library=" + library,
            "-cp",
            dir.toString(),
            "JavaLeaks",
            String.valueOf(DEFLATERS),
            String.valueOf(BUFFERS),
            String.valueOf(JNI_BLOCKS),
            String.valueOf(ITERATIONS)));
  }

  private List<Stack> traceFromOutside(String framePointers) throws Exception {
    Path json = dir.resolve("report.json");
    // every stack, every frame; the one report when the JVM exits
    List<String> args =
        new ArrayList<>(List.of("--format=json", "-o", json.toString(), "-T", "0", "-i", "600"));
    args.addAll(List.of("--skip-frames", "none", "--"));
    // no perf map: the report after the JVM's exit names compiled code as the reader met it
    args.addAll(java(framePointers));
    try (Tool tool = Tool.start(dir, Map.of(), args.toArray(String[]::new))) {
      long pid = tool.awaitTracing("uprobes");
      try {
        Tool.Finished run = tool.awaitExit(180);
        assertThat(run.exitCode()).as(run.err()).isZero();
      } finally {
        Files.deleteIfExists(Path.of("/tmp/perf-" + pid + ".map")); // were one asked for
      }
    }
    JsonNode last = FinalJsonReport.read(json);
    assertThat(last.get("exact").asBoolean()).as(last.toString()).isTrue();
    List<Stack> stacks = new ArrayList<>();
    for (JsonNode stack : last.get("stacks")) {
      List<Frame> frames = new ArrayList<>();
      for (JsonNode frame : stack.get("frames")) {
        frames.add(
            frame(
                frame.path("module").asText(null),
                frame.path("function").asText(null),
                frame.path("file").asText(null),
                frame.path("line").asInt(0)));
      }
      stacks.add(new Stack(stack.get("outstandingCount").asLong(), frames));
    }
    return stacks;
  }

  private static Frame frame(String module, String function, String file, int line) {
    return new Frame(
        1, text(module), text(function), 0, false, text(function), text(file), line, false);
  }

  private static String text(String value) {
    return value == null || value.equals("null") ? null : value;
  }

  /**
   * Per leak: the blocks of the stacks holding its Java method and native function add up to the
   * leak; each such stack's Java frames end with the method and {@code JavaLeaks.main}, name no
   * other method of the fixture, and every Java frame is named.
   */
  static void assertLeaks(List<Stack> stacks) {
    for (Leak leak : LEAKS) {
      long count = 0;
      List<String> seen = new ArrayList<>();
      for (Stack stack : stacks) {
        List<String> java = javaFrames(stack);
        boolean holdsNative =
            stack.frames().stream().anyMatch(f -> leak.allocatedIn().equals(f.function()));
        if (!java.contains(leak.method()) || !holdsNative) {
          continue;
        }
        count += stack.count();
        seen.add(stack.count() + ": " + java);
        assertThat(java.subList(java.size() - 2, java.size()))
            .as("the Java callers of %s", leak)
            .containsExactly(leak.method(), "JavaLeaks.main");
        assertThat(java.stream().filter(f -> f.startsWith("JavaLeaks.")).toList())
            .as("the fixture's methods on a stack of %s", leak)
            .isEqualTo(leak.fixtureFrames());
        assertFixtureLines(stack, leak);
        assertThat(stack.frames())
            .as("every interpreted frame of %s named", leak)
            .noneMatch(f -> Frame.INTERPRETED_MODULE.equals(f.module()) && !f.javaMethod());
      }
      assertThat(count).as("outstanding blocks of %s on %s", leak, seen).isEqualTo(leak.count());
    }
    // the hot loop ran compiled (OSR) for most of its blocks, with allocateBlock inlined
    assertThat(stacks)
        .as("a stack through the compiled loop and the method inlined into it")
        .anyMatch(
            stack ->
                stack.frames().stream()
                        .anyMatch(
                            f ->
                                Frame.JIT_MODULE.equals(f.module())
                                    && "JavaLeaks.churnCompiled".equals(f.function()))
                    && stack.frames().stream()
                        .anyMatch(
                            f ->
                                Frame.JIT_MODULE.equals(f.module())
                                    && "JavaLeaks.allocateBlock".equals(f.function())));
  }

  /**
   * Each of the fixture's Java frames on a leak's stack (but the native method's) is at the source
   * line that makes the call: JavaLeaks.java's own text says which.
   */
  private static void assertFixtureLines(Stack stack, Leak leak) {
    for (Frame frame : stack.frames()) {
      if (!frame.javaMethod()
          || !frame.function().startsWith("JavaLeaks.")
          || frame.function().equals("JavaLeaks.nativeAlloc")) {
        continue;
      }
      String call =
          switch (frame.function()) {
            case "JavaLeaks.main" -> leak.method().substring("JavaLeaks.".length()) + "(";
            case "JavaLeaks.allocateBlock" -> "return nativeAlloc(size);";
            case "JavaLeaks.churnCompiled" -> "long block = allocateBlock(64);";
            case "JavaLeaks.leakDeflaters" -> "kept.add(new Deflater());";
            case "JavaLeaks.leakDirectBuffers" -> "kept.add(ByteBuffer.allocateDirect(";
            case "JavaLeaks.leakThroughJni" -> "keptBlocks.add(nativeAlloc(";
            default -> throw new AssertionError("unexpected " + frame);
          };
      assertThat(frame.file()).as("%s's file", frame).isEqualTo("JavaLeaks.java");
      assertThat(FIXTURE_SOURCE.get(frame.line() - 1).trim())
          .as("the line of %s on a stack of %s", frame, leak)
          .startsWith(frame.function().equals("JavaLeaks.main") ? "" : call)
          .contains(call);
    }
  }

  private static final List<String> FIXTURE_SOURCE = fixtureSource();

  private static List<String> fixtureSource() {
    try (InputStream in = JavaStacksIT.class.getResourceAsStream("/java/JavaLeaks.java")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The stack's Java frames, innermost first. */
  static List<String> javaFrames(Stack stack) {
    return stack.frames().stream().filter(Frame::javaMethod).map(Frame::function).toList();
  }
}
