package io.leakdetector.symbols.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.testkit.Commands;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real JVM (this test's own {@code java}) running a method hot enough to be compiled: asked for
 * its perf map through the attach socket, and its compiled code named from it.
 */
// A JVM that never says what the test waits for must fail the test, not hang the build.
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HotSpotPerfMapTest {
  static final String FIXTURE =
      """
      public class PerfMapFixture {
        static long spin(long x) {
          long s = 0;
          for (int i = 0; i < 100; i++) s += (x ^ i) * 31;
          return s;
        }
        public static void main(String[] args) throws Exception {
          long s = 0;
          System.out.println("started");
          long end = args.length > 0 ? System.nanoTime() + Long.parseLong(args[0]) * 1_000_000 : 0;
          while (end == 0 || System.nanoTime() < end) {
            for (int i = 0; i < 200_000; i++) s += spin(i);
            if (s == 42) System.out.println(s);
            Thread.sleep(5);
          }
        }
      }
      """;
  static final String METHOD = "long PerfMapFixture.spin(long)";

  @TempDir static Path dir;
  static Path javaHome = Path.of(System.getProperty("java.home"));
  final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void compileFixture() throws Exception {
    Files.writeString(dir.resolve("PerfMapFixture.java"), FIXTURE);
    Process javac =
        new ProcessBuilder(javaHome.resolve("bin/javac").toString(), "PerfMapFixture.java")
            .directory(dir.toFile())
            .inheritIO()
            .start();
    assertThat(javac.waitFor()).as("javac exit code").isZero();
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(Path.of("/tmp/perf-" + p.pid() + ".map"));
    }
  }

  record Jvm(Process process, BufferedReader out) {
    long pid() {
      return process.pid();
    }
  }

  /** A fixture JVM that has printed "started" (after any lines its options print before). */
  Jvm startJvm(String... options) throws Exception {
    return startJvm(List.of(options), List.of());
  }

  Jvm startJvm(List<String> options, List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(javaHome.resolve("bin/java").toString());
    command.addAll(options);
    command.addAll(List.of("-Xmx64m", "-cp", dir.toString(), "PerfMapFixture"));
    command.addAll(args);
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    started.add(p);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    // contains: a line of the JVM's own output (diagnostic options) may run into ours
    while (line != null && !line.contains("started")) {
      line = out.readLine();
    }
    assertThat(line).contains("started");
    return new Jvm(p, out);
  }

  /** The line of the JVM's own perf map that names {@code METHOD}, once it was compiled. */
  static String[] requestUntilCompiled(long pid) throws Exception {
    Path map = Path.of("/tmp/perf-" + pid + ".map");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      HotSpotAttach.Result result = HotSpotAttach.requestPerfMap(pid);
      assertThat(result.succeeded()).as(result.message()).isTrue();
      assertThat(map).exists();
      String[] line = lineNaming(map);
      if (line != null || System.nanoTime() > deadline) {
        assertThat(line).as("%s in %s", METHOD, map).isNotNull();
        return line;
      }
      Thread.sleep(500);
    }
  }

  static String[] lineNaming(Path map) throws Exception {
    for (String line : Files.readAllLines(map)) {
      String[] fields = line.split(" ", 3);
      if (fields.length == 3 && fields[2].equals(METHOD)) {
        return fields;
      }
    }
    return null;
  }

  static long hex(String s) {
    return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
  }

  @Test
  void jcmdCompilerPerfmapThroughTheAttachSocketNamesTheHotMethod() throws Exception {
    Jvm jvm = startJvm();
    String[] line = requestUntilCompiled(jvm.pid());
    long start = hex(line[0]);
    long size = hex(line[1]);
    long inside = start + size / 2;

    PerfMap map = PerfMap.read(Path.of("/tmp/perf-" + jvm.pid() + ".map"));
    int index = map.indexOf(inside);
    assertThat(index).isNotNegative();
    assertThat(map.name(index)).isEqualTo(METHOD);
    assertThat(map.start(index)).isEqualTo(start);

    try (ElfSymbolResolver resolver = ElfSymbolResolver.open(jvm.pid(), false)) {
      Frame frame = resolver.resolve(inside);
      assertThat(frame.module()).isEqualTo("[jit]");
      assertThat(frame.symbol()).isEqualTo(METHOD);
      assertThat(frame.function()).isEqualTo("PerfMapFixture.spin");
      assertThat(frame.offset()).isEqualTo(size / 2);
    }
    assertThat(jvm.process().isAlive()).isTrue();
  }

  @Test
  void resolverAsksTheJvmForItsMapWhenItMeetsUnnamedCode() throws Exception {
    Jvm jvm = startJvm();
    // wait until spin is compiled: the JVM's code list (jcmd; it writes no perf map)
    String jcmd = javaHome.resolve("bin/jcmd").toString();
    long compiledBy = System.nanoTime() + 60_000_000_000L;
    String codeList = "";
    while (!codeList.contains("PerfMapFixture.spin") && System.nanoTime() < compiledBy) {
      Thread.sleep(200);
      codeList = Commands.run(List.of(jcmd, Long.toString(jvm.pid()), "Compiler.codelist"));
    }
    assertThat(codeList).as("the JVM's compiled methods").contains("PerfMapFixture.spin");
    assertThat(jvm.process().isAlive()).isTrue();
    Path map = Path.of("/tmp/perf-" + jvm.pid() + ".map");
    assertThat(map).doesNotExist();
    ProcMapsEntry codeCache =
        ProcMaps.read(jvm.pid()).stream()
            .filter(e -> e.isExecutable() && e.path().isEmpty())
            .findFirst()
            .orElseThrow();
    try (ElfSymbolResolver resolver = ElfSymbolResolver.open(jvm.pid(), false)) {
      Frame before = resolver.resolve(codeCache.start());
      assertThat(before.module()).isNull();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while ((!Files.exists(map) || lineNaming(map) == null) && System.nanoTime() < deadline) {
        Thread.sleep(100);
        resolver.resolve(codeCache.start()); // keeps asking, throttled, while unnamed
      }
      assertThat(map).as("written on the resolver's request").exists();
      String[] line = lineNaming(map);
      assertThat(line).as("%s in %s", METHOD, map).isNotNull();
      long inside = hex(line[0]) + 1;
      Frame frame = null;
      while (System.nanoTime() < deadline) {
        frame = resolver.resolve(inside);
        if (frame.module() != null) {
          break;
        }
        Thread.sleep(100); // the resolver re-reads the map at most once a second
      }
      assertThat(frame.module()).isEqualTo("[jit]");
      assertThat(frame.function()).isEqualTo("PerfMapFixture.spin");
      assertThat(frame.offset()).isEqualTo(1);
    }
    // written only because the resolver asked: gone with the resolver, nothing left behind
    assertThat(map).doesNotExist();
  }

  @Test
  void aMapWrittenAtExitNamesFramesAfterTheExit() throws Exception {
    String before = System.getProperty(JitCode.REQUEST_PROPERTY);
    System.setProperty(JitCode.REQUEST_PROPERTY, "false");
    Jvm jvm;
    ElfSymbolResolver resolver;
    try {
      jvm =
          startJvm(
              List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit"), List.of("1500"));
      resolver = ElfSymbolResolver.open(jvm.pid(), false);
    } finally {
      if (before == null) {
        System.clearProperty(JitCode.REQUEST_PROPERTY);
      } else {
        System.setProperty(JitCode.REQUEST_PROPERTY, before);
      }
    }
    try (resolver) {
      assertThat(jvm.process().waitFor(30, TimeUnit.SECONDS)).as("the fixture exits").isTrue();
      Path map = Path.of("/tmp/perf-" + jvm.pid() + ".map");
      String[] line = lineNaming(map);
      assertThat(line).as("%s in %s", METHOD, map).isNotNull();
      long inside = hex(line[0]) + 2;
      Frame frame = resolver.resolve(inside);
      assertThat(frame.module()).isEqualTo("[jit]");
      assertThat(frame.function()).isEqualTo("PerfMapFixture.spin");
      assertThat(frame.offset()).isEqualTo(2);
    }
  }

  @Test
  void neverSignalsAProcessThatIsNoJvmOrIgnoresSigquit() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    started.add(sleep);
    HotSpotAttach.Result notJvm = HotSpotAttach.requestPerfMap(sleep.pid());
    assertThat(notJvm.succeeded()).isFalse();
    assertThat(notJvm.message())
        .isEqualTo("Process " + sleep.pid() + " is not a HotSpot JVM (no libjvm.so mapped).");

    // -Xrs: HotSpot opens its attach socket at start and leaves SIGQUIT's default action, death
    Jvm reduced = startJvm("-Xrs");
    Path socket = Path.of("/tmp/.java_pid" + reduced.pid());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!Files.exists(socket) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(socket).exists();
    Files.delete(socket); // as a /tmp cleaner might: now only a signal could open another
    HotSpotAttach.Result xrs = HotSpotAttach.requestPerfMap(reduced.pid());
    assertThat(xrs.succeeded()).isFalse();
    assertThat(xrs.message())
        .isEqualTo(
            "The JVM "
                + reduced.pid()
                + " does not handle SIGQUIT (run with -Xrs?), so it is not signalled.");

    Thread.sleep(300);
    assertThat(sleep.isAlive()).isTrue();
    assertThat(reduced.process().isAlive()).isTrue();
    assertThat(Path.of("/tmp/perf-" + reduced.pid() + ".map")).doesNotExist();
  }
}
