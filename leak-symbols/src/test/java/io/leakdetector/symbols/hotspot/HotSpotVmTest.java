package io.leakdetector.symbols.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.unwind.ManagedCode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A running JVM read from outside, on every JDK of this machine (the one running the tests, and
 * Temurin 25 where installed): the layout from its VMStructs tables, its PreserveFramePointer flag,
 * the interpreter inside a code heap, and each compiled method HotSpot's own {@code jcmd
 * Compiler.codelist} lists found at its code's start with its blob's start and its method's name.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HotSpotVmTest {
  static final String FIXTURE =
      """
      public class VmFixture {
        static int digits(int n) {
          return Integer.toString(n).chars().map(c -> c - '0').sum();
        }
        public static void main(String[] args) throws Exception {
          int total = 0;
          for (int n = 0; n < 3_000_000; n++) total += digits(n);
          System.out.println("started " + total);
          Thread.sleep(120_000);
        }
      }
      """;

  /** {@code id level state name(signature) [blob, code - end]}. */
  static final Pattern CODELIST =
      Pattern.compile("^\\d+ (\\d+) \\d+ ([^(\\s]+)\\(.*\\[0x(\\p{XDigit}+), 0x(\\p{XDigit}+) - ");

  @TempDir Path dir;

  static Stream<Path> javaHomes() {
    List<Path> homes = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
    Path temurin = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    if (Files.isDirectory(temurin) && !homes.get(0).equals(temurin)) {
      homes.add(temurin);
    }
    return homes.stream();
  }

  @ParameterizedTest
  @MethodSource("javaHomes")
  void readsTheLayoutFlagsInterpreterAndCompiledMethods(Path javaHome) throws Exception {
    Files.writeString(dir.resolve("VmFixture.java"), FIXTURE);
    Process javac =
        new ProcessBuilder(javaHome.resolve("bin/javac").toString(), "VmFixture.java")
            .directory(dir.toFile())
            .inheritIO()
            .start();
    assertThat(javac.waitFor()).isZero();
    for (boolean keepFramePointers : new boolean[] {true, false}) {
      Process jvm =
          new ProcessBuilder(
                  javaHome.resolve("bin/java").toString(),
                  keepFramePointers ? "-XX:+PreserveFramePointer" : "-XX:-PreserveFramePointer",
                  "-Xmx64m",
                  "-cp",
                  dir.toString(),
                  "VmFixture")
              .redirectErrorStream(true)
              .start();
      try {
        BufferedReader out =
            new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).startsWith("started");
        try (HotSpotVm vm = HotSpotVm.attach(jvm.pid()).orElseThrow()) {
          assertThat(vm.booleanFlag("PreserveFramePointer")).contains(keepFramePointers);
          long[] interpreter = vm.codeCache().interpreterRange();
          assertThat(interpreter[1]).isGreaterThan(interpreter[0]).isPositive();
          List<CodeHeap> heaps = vm.codeCache().codeHeaps();
          assertThat(heaps).anyMatch(h -> h.contains(interpreter[0]));
          Map<Long, CodeName> codeNames = new HashMap<>();
          HotSpotFrames frames = HotSpotFrames.of(vm, new HashMap<>(), codeNames);
          assertThat(frames.framePointersKept()).isEqualTo(keepFramePointers);
          assertThat(frames.frameAt(interpreter[0] + 64)).isEqualTo(ManagedCode.INTERPRETED);
          assertThat(frames.frameAt(0x1000)).isEqualTo(ManagedCode.NOT_MANAGED);

          int checked = 0;
          for (String line : jcmd(javaHome, jvm.pid())) {
            Matcher m = CODELIST.matcher(line);
            if (!m.find()) {
              continue;
            }
            long blob = Long.parseUnsignedLong(m.group(3), 16);
            long code = Long.parseUnsignedLong(m.group(4), 16);
            CodeName name = vm.codeCache().codeName(code);
            if (name == null) {
              continue; // flushed since the listing
            }
            assertThat(name.start()).as(line).isEqualTo(blob);
            assertThat(name.name()).as(line).isEqualTo(m.group(2));
            assertThat(name.javaMethod()).isTrue();
            if (!m.group(1).equals("0")) {
              // compiled by C1 or C2 (level 0: native wrappers and method handle intrinsics)
              assertThat(frames.frameAt(code + 1)).as("compiled frame size").isPositive();
              // kept for a report after the JVM's exit
              assertThat(codeNames.get(code + 1)).as(line).isEqualTo(name);
            }
            checked++;
          }
          assertThat(checked).as("compiled methods checked").isGreaterThan(3);
        }
      } finally {
        jvm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> jcmd(Path javaHome, long pid) throws Exception {
    Process p =
        new ProcessBuilder(
                javaHome.resolve("bin/jcmd").toString(), String.valueOf(pid), "Compiler.codelist")
            .redirectErrorStream(true)
            .start();
    List<String> lines =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
            .lines()
            .toList();
    assertThat(p.waitFor()).as(String.join("\n", lines)).isZero();
    return lines;
  }
}
