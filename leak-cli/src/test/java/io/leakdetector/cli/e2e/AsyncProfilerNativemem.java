package io.leakdetector.cli.e2e;

import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * async-profiler 4.2's {@code nativemem} mode as ground truth for a Java program's native
 * allocations: the agent of the test dependency {@code tools.profiler:async-profiler:4.2} (the
 * jar's {@code linux-x64/libasyncProfiler.so} or {@code linux-arm64/…}), extracted to a temporary
 * folder that {@link #close} deletes, loaded into a separate JVM with {@code
 * -agentpath:SO=start,nativemem=0,…}.
 *
 * <p>What was measured with 4.2 on OpenJDK 17:
 *
 * <ul>
 *   <li>The agent patches the malloc, calloc, realloc, free, posix_memalign and aligned_alloc
 *       imports of every loaded library (libzip, libz, libnio, libjvm, JNI libraries); each
 *       recorded stack starts with the agent's hook ({@code malloc_hook}, {@code calloc_hook}, …),
 *       which the parsers here drop. {@code nativemem=0} records every call (a byte interval
 *       samples).
 *   <li>The text outputs ({@code collapsed}, flame graphs) count <em>allocations</em>: the agent
 *       writes frees only into JFR recordings, so a Deflater that was ended still shows up there.
 *       {@code nofree} does not select unfreed allocations either: it stops recording frees. What
 *       is still outstanding comes from a JFR recording ({@code jfr}: {@code profiler.Malloc}
 *       events with address, size and stack, {@code profiler.Free} events with the address),
 *       matched by address in time order ({@link AsyncProfilerNativememJfr}); async-profiler's
 *       converter does the same for {@code jfrconv --nativemem --leak}, except that it also ignores
 *       the last 10% of the recording, which this does not.
 *   <li>The JDK's own {@code jdk.jfr.consumer} reads the agent's recordings.
 *   <li>{@code collapsed} writes one stack a line, the outermost frame first, {@code ;} between
 *       frames, then a space and the number of calls ({@code total}: bytes). Java frames are {@code
 *       java/util/zip/Deflater.<init>} (slashes, no signature); with {@code ann} they end with
 *       their kind: {@code _[0]} interpreted, {@code _[1]} C1-compiled, {@code _[j]} JIT-compiled,
 *       {@code _[i]} inlined; native frames are the bare symbol, C++ demangled ({@code
 *       os::malloc}); kernel frames end with {@code _[k]}. A Java {@code native} method is a Java
 *       frame ({@code java/util/zip/Deflater.init_[0]}) above its JNI function ({@code
 *       Java_java_util_zip_Deflater_init}).
 *   <li>A free is recorded after the real free returns, under one of a few locks that it only
 *       tries: with several threads, a free can be dropped, or recorded after another thread got
 *       the same address from malloc. Fixtures that need exact counts allocate from one thread.
 * </ul>
 *
 * <p>Frames here carry our names: Java methods with dots ({@code java.util.zip.Deflater.<init>}),
 * native frames by their symbol.
 */
final class AsyncProfilerNativemem implements AutoCloseable {
  private final Path folder;
  private final Path agent;

  /** One frame of a stack: a Java method (dotted) or a native symbol. */
  record Frame(String name, boolean java) {
    /**
     * A Java frame named from the agent's {@code java/util/zip/Deflater.<init>}: dots between
     * packages; a hidden class keeps the slash before its address ({@code Fixture$$Lambda$14/0x…}).
     */
    static Frame java(String slashed) {
      return new Frame(slashed.replaceAll("/(?!0x)", "."), true);
    }

    /** The Java frames' names, in the order given. */
    static List<String> javaNames(List<Frame> frames) {
      return frames.stream().filter(Frame::java).map(Frame::name).toList();
    }

    /** Whether a frame named {@code outer} lies above (outside) one named {@code inner}. */
    static boolean above(List<Frame> frames, String outer, String inner) {
      List<String> names = frames.stream().map(Frame::name).toList();
      int at = names.indexOf(inner);
      return at >= 0 && names.subList(at + 1, names.size()).contains(outer);
    }
  }

  /**
   * A stack (innermost frame first) and the allocations made on it that were not freed by the end
   * of the run, or all of them ({@link Recording#allocated}).
   */
  record Stack(List<Frame> frames, long count, long bytes) {
    static final Comparator<Stack> LARGEST_FIRST =
        Comparator.comparingLong(Stack::bytes)
            .thenComparingLong(Stack::count)
            .reversed()
            .thenComparing(s -> s.frames().toString());

    Stack {
      frames = List.copyOf(frames);
    }

    /** The Java frames, innermost first. */
    List<String> javaFrames() {
      return Frame.javaNames(frames);
    }
  }

  /** A line of the {@code collapsed} output: a stack, innermost frame first, and its calls. */
  record Collapsed(List<Frame> frames, long calls) {
    Collapsed {
      frames = List.copyOf(frames);
    }

    /** The Java frames, innermost first. */
    List<String> javaFrames() {
      return Frame.javaNames(frames);
    }
  }

  /**
   * A JFR run: every allocation and what was still outstanding at the JVM's exit, per stack,
   * largest bytes first; and what the program printed.
   */
  record Recording(List<Stack> allocated, List<Stack> outstanding, String output) {}

  private AsyncProfilerNativemem(Path folder, Path agent) {
    this.folder = folder;
    this.agent = agent;
  }

  /**
   * Extracts the agent for this machine; skips (outside CI) or fails (CI) where the jar has none.
   */
  static AsyncProfilerNativemem extract() throws IOException {
    String arch =
        switch (System.getProperty("os.arch")) {
          case "amd64", "x86_64" -> "linux-x64";
          case "aarch64" -> "linux-arm64";
          default -> null;
        };
    Prerequisite.require(
        arch != null && System.getProperty("os.name").equals("Linux"),
        "async-profiler's agent for Linux on x86-64 or arm64");
    String resource = arch + "/libasyncProfiler.so";
    try (InputStream in =
        AsyncProfilerNativemem.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            resource + " is not on the class path (test dependency tools.profiler:async-profiler)");
      }
      Path folder = Files.createTempDirectory("async-profiler-");
      Path agent = folder.resolve("libasyncProfiler.so");
      Files.copy(in, agent, StandardCopyOption.REPLACE_EXISTING);
      return new AsyncProfilerNativemem(folder, agent);
    }
  }

  /**
   * Runs {@code java JAVA_ARGS} (JVM options, then the class or {@code -jar}) under the agent with
   * a JFR recording in {@code dir}, and matches frees to allocations.
   */
  Recording record(Path dir, List<String> javaArgs) throws IOException {
    Path jfr = dir.resolve("nativemem.jfr");
    String output = run(List.of("start", "nativemem=0", "jfr", "file=" + jfr), javaArgs);
    AsyncProfilerNativememJfr read = AsyncProfilerNativememJfr.read(jfr);
    return new Recording(read.allocated(), read.outstanding(), output);
  }

  /**
   * Runs {@code java JAVA_ARGS} under the agent with its {@code collapsed} text output: every
   * allocation call per stack, most calls first.
   */
  List<Collapsed> collapsed(Path dir, List<String> javaArgs) throws IOException {
    Path out = dir.resolve("nativemem-collapsed.txt");
    run(List.of("start", "nativemem=0", "collapsed", "ann", "file=" + out), javaArgs);
    return AsyncProfilerNativememCollapsed.parse(Files.readString(out));
  }

  private String run(List<String> options, List<String> javaArgs) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-agentpath:" + agent + "=" + String.join(",", options));
    command.addAll(javaArgs);
    return Commands.run(command);
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(folder);
  }
}
