package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Collapsed;
import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Frame;
import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Recording;
import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Stack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ground-truth runner itself: a Java fixture compiled here keeps {@value #KEPT} Deflaters from
 * one method and ends {@value #ENDED} from another, run under async-profiler's agent with the
 * collapsed output and with a JFR recording. The leaking method and its caller lie above the JNI
 * function; the JFR recording's outstanding allocations are those of the kept Deflaters only; both
 * outputs count the same allocation calls.
 */
class AsyncProfilerNativememIT {
  private static final int KEPT = 7;
  private static final int ENDED = 5;
  private static final String JNI_INIT = "Java_java_util_zip_Deflater_init";
  private static final String FIXTURE =
      "import java.util.ArrayList;\n"
          + "import java.util.List;\n"
          + "import java.util.zip.Deflater;\n"
          + "public class NativememFixture {\n"
          + "  static final List<Deflater> kept = new ArrayList<>();\n"
          + "  public static void main(String[] args) {\n"
          + "    keepDeflaters(Integer.parseInt(args[0]));\n"
          + "    endDeflaters(Integer.parseInt(args[1]));\n"
          + "    System.out.println(\"kept \" + kept.size());\n"
          + "  }\n"
          + "  static void keepDeflaters(int n) {\n"
          + "    for (int i = 0; i < n; i++) kept.add(new Deflater());\n"
          + "  }\n"
          + "  static void endDeflaters(int n) {\n"
          + "    for (int i = 0; i < n; i++) new Deflater().end();\n"
          + "  }\n"
          + "}\n";

  @TempDir Path dir;
  private AsyncProfilerNativemem profiler;
  private List<String> javaArgs;

  @BeforeEach
  void compileFixture() throws Exception {
    profiler = AsyncProfilerNativemem.extract();
    Path source = dir.resolve("NativememFixture.java");
    Files.writeString(source, FIXTURE);
    int status =
        ToolProvider.getSystemJavaCompiler()
            .run(null, null, null, "-d", dir.toString(), source.toString());
    assertThat(status).as("javac of the fixture").isZero();
    javaArgs =
        List.of("-cp", dir.toString(), "NativememFixture", Integer.toString(KEPT), "" + ENDED);
  }

  @AfterEach
  void removeAgent() throws Exception {
    if (profiler != null) {
      profiler.close();
    }
  }

  @Test
  void collapsedStacksNameTheLeakingMethodAboveTheJniFunction() throws Exception {
    List<Collapsed> stacks = profiler.collapsed(dir, javaArgs);
    List<Collapsed> keeping =
        stacks.stream()
            .filter(s -> Frame.above(s.frames(), "NativememFixture.keepDeflaters", JNI_INIT))
            .toList();
    assertThat(keeping)
        .as("stacks through %s under keepDeflaters in %s", JNI_INIT, stacks)
        .isNotEmpty();
    for (Collapsed stack : keeping) {
      List<String> java = stack.javaFrames();
      assertThat(java).contains("java.util.zip.Deflater.<init>");
      assertThat(java.subList(java.size() - 2, java.size()))
          .as("the outermost Java frames, innermost first")
          .containsExactly("NativememFixture.keepDeflaters", "NativememFixture.main");
      assertThat(stack.frames().get(0).java()).as("innermost frame of %s", stack).isFalse();
    }
  }

  @Test
  void theRecordingsOutstandingAllocationsAreTheKeptDeflatersOnly() throws Exception {
    Recording recording = profiler.record(dir, javaArgs);
    assertThat(recording.output()).contains("kept " + KEPT);
    long keptCalls = count(recording.allocated(), "NativememFixture.keepDeflaters");
    long endedCalls = count(recording.allocated(), "NativememFixture.endDeflaters");
    assertThat(keptCalls).as("allocations made per kept Deflater").isPositive();
    assertThat(keptCalls * ENDED)
        .as("the same allocations per Deflater")
        .isEqualTo(endedCalls * KEPT);
    assertThat(count(recording.outstanding(), "NativememFixture.keepDeflaters"))
        .isEqualTo(keptCalls);
    assertThat(count(recording.outstanding(), "NativememFixture.endDeflaters")).isZero();

    List<Collapsed> collapsed = profiler.collapsed(dir, javaArgs);
    for (String method :
        List.of("NativememFixture.keepDeflaters", "NativememFixture.endDeflaters")) {
      long calls =
          collapsed.stream()
              .filter(s -> Frame.above(s.frames(), method, JNI_INIT))
              .mapToLong(Collapsed::calls)
              .sum();
      assertThat(calls)
          .as("collapsed calls through %s", method)
          .isEqualTo(count(recording.allocated(), method));
    }
  }

  /** The allocations on stacks where {@code method} lies above the Deflater's JNI function. */
  private static long count(List<Stack> stacks, String method) {
    Predicate<Stack> through = s -> Frame.above(s.frames(), method, JNI_INIT);
    return stacks.stream().filter(through).mapToLong(Stack::count).sum();
  }
}
