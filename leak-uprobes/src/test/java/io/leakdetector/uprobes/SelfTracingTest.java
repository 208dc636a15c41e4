package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.Availability;
import io.leakdetector.testkit.Commands;
import io.leakdetector.uprobes.testing.ChildJvm;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's must-show 3, for Deflaters: a JVM traces itself with {@code
 * LeakDetector.builder().self()} ({@link SelfTracingChild}). The outstanding blocks allocated in
 * zlib's {@code deflateInit2_} are exactly N times the mallocs of one {@code deflateInit2_}, which
 * is measured, not assumed, from a second run with 2N: c(2N) = 2 c(N) holds only when nothing but
 * the N leaked Deflaters is counted. The exporter, run on the session's reporting thread, keeps
 * Deflaters of its own; were that thread traced, they would add the same constant to both runs and
 * break the equation. So the detector's own threads produce no stacks, and the events the kernel
 * dropped for them are counted ({@code excludedEvents} at least the exporter's Deflaters' mallocs).
 */
class SelfTracingTest {
  private static final int N = 40;
  private static final int EXPORTER_KEEPS = 7;

  @TempDir static Path dir;
  private static String classPath;

  @BeforeAll
  static void prerequisites() throws Exception {
    Availability availability = new UprobesSourceProvider().availability();
    Prerequisites.require(
        availability.available() && availability.reason().startsWith("BPF design"),
        "the BPF design of uprobe tracing: " + availability.reason());
    classPath = ChildJvm.classPath(dir);
  }

  @Test
  void aJvmTracingItselfCountsItsLeakedDeflatersExactlyAndNoneOfItsOwnThreads() {
    Map<String, Long> once = run(N);
    Map<String, Long> twice = run(2 * N);
    long perDeflater =
        (twice.get("deflateInit2 outstanding") - once.get("deflateInit2 outstanding")) / N;
    System.out.printf(
        "self-tracing: %d and %d Deflaters kept: %d and %d blocks from deflateInit2_ (%d each);"
            + " excluded events %d and %d%n",
        N,
        2 * N,
        once.get("deflateInit2 outstanding"),
        twice.get("deflateInit2 outstanding"),
        perDeflater,
        once.get("excludedEvents"),
        twice.get("excludedEvents"));
    assertThat(perDeflater).as("mallocs per deflateInit2_").isPositive();
    assertThat(once.get("deflateInit2 outstanding"))
        .as("blocks of N leaked Deflaters")
        .isEqualTo(N * perDeflater);
    assertThat(twice.get("deflateInit2 outstanding"))
        .as("blocks of 2N leaked Deflaters")
        .isEqualTo(2 * N * perDeflater);
    for (Map<String, Long> result : List.of(once, twice)) {
      assertThat(result.get("exporter kept")).isEqualTo(EXPORTER_KEEPS);
      assertThat(result.get("lostRecords")).isZero();
      assertThat(result.get("excludedEvents"))
          .as("events dropped for the detector's threads")
          .isGreaterThanOrEqualTo(EXPORTER_KEEPS * perDeflater);
    }
  }

  private static Map<String, Long> run(int deflaters) {
    String out =
        Commands.run(
            ChildJvm.command(
                classPath,
                List.of(),
                SelfTracingChild.class,
                String.valueOf(deflaters),
                String.valueOf(EXPORTER_KEEPS)));
    Matcher m = Pattern.compile("(?m)^([a-zA-Z0-9 ]+?) (-?\\d+)$").matcher(out);
    Map<String, Long> values =
        m.results()
            .collect(
                Collectors.toMap(r -> r.group(1), r -> Long.parseLong(r.group(2)), (a, b) -> b));
    assertThat(values)
        .as("the child's output:%n%s", out)
        .containsKeys(
            "deflateInit2 outstanding", "exporter kept", "excludedEvents", "lostRecords", "leaked");
    assertThat(values.get("leaked")).isEqualTo(deflaters);
    return values;
  }
}
