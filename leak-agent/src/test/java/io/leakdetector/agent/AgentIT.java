package io.leakdetector.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.export.otel.testkit.VictoriaMetrics;
import io.leakdetector.export.otel.testkit.VictoriaMetrics.Sample;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.HeapEventSources;
import io.leakdetector.testkit.Prerequisite;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent end to end: a fixture application compiled now, run as {@code java
 * -XX:+PreserveFramePointer -javaagent:leakdetector-agent.jar=interval=1s,exporter=otel -jar
 * fixture.jar}, exports to the real OTLP backend ({@code bash .ci/victoria-metrics.sh start}, found
 * through {@code LEAKDETECTOR_OTLP_BACKEND}), and the stored series name the leaking Java methods.
 */
class AgentIT {
  private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(60);
  private static final String JAVA_METHOD = "leak_stack_java_method";

  @TempDir Path dir;
  private VictoriaMetrics backend;
  private Path agentJar;

  @BeforeEach
  void prerequisites() {
    Availability uprobes =
        HeapEventSources.providers().stream()
            .filter(p -> p.name().equals("uprobes"))
            .map(HeapEventSourceProvider::availability)
            .findFirst()
            .orElse(Availability.unavailable("no uprobes source on the class path"));
    Prerequisite.require(
        uprobes.available() && uprobes.reason().startsWith("BPF design"),
        "the BPF design of uprobe tracing, which tracing itself needs: " + uprobes.reason());
    backend = VictoriaMetrics.fromEnvironment();
    agentJar =
        Path.of(System.getProperty("leakdetector.agent.jar", "target/leakdetector-agent.jar"));
    assertThat(agentJar).as("the agent jar (mvn package)").isRegularFile();
  }

  @Test
  void theStoredSeriesNameTheLeakingJavaMethods() throws Exception {
    Path fixture = FixtureJar.build(dir);
    String run = UUID.randomUUID().toString();
    List<String> command = new ArrayList<>(FixtureJar.java());
    command.addAll(
        List.of(
            "-XX:+PreserveFramePointer",
            // a system property where the argument says nothing
            "-Dleakdetector.top=50",
            "-javaagent:" + agentJar + "=interval=1s,exporter=otel",
            "-jar",
            fixture.toString(),
            "400"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve("err").toFile());
    builder.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", backend.otlpEndpoint());
    builder.environment().put("OTEL_RESOURCE_ATTRIBUTES", "leakdetector.test.run=" + run);
    Process app = builder.start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).as(stderr()).isEqualTo("leaking");

      String query =
          "leak_stack_outstanding_bytes{process_pid=\""
              + app.pid()
              + "\",leakdetector_test_run=\""
              + run
              + "\"}";
      Predicate<List<Sample>> bothNamed =
          samples -> named(samples, ".leakDeflaters") && named(samples, ".leakBuffers");
      List<Sample> series = backend.await(query, bothNamed, VISIBLE_WITHIN);
      assertThat(series).as("series of the run").isNotEmpty();
      assertThat(series)
          .as("a series named by leak.stack.java_method for each leaking method; " + stderr())
          .filteredOn(s -> s.label(JAVA_METHOD) != null)
          .extracting(s -> s.label(JAVA_METHOD))
          .contains("AgentFixture.leakDeflaters", "AgentFixture.leakBuffers");
      assertThat(series.get(0).label("service_name")).isEqualTo("leakdetector");
      // the exporter's own threads (the SDK's reader, the OTLP sender) are excluded
      assertThat(series)
          .extracting(s -> String.valueOf(s.label(JAVA_METHOD)))
          .noneMatch(method -> method.startsWith("io.opentelemetry."))
          .noneMatch(method -> method.startsWith("io.leakdetector."));

      app.getOutputStream().close(); // the fixture ends; the agent's shutdown hook reports last
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the application ends").isTrue();
      assertThat(app.exitValue()).as(stderr()).isZero();
      assertThat(out.readLine()).startsWith("kept ");
      assertThat(stderr()).doesNotContain("leakdetector agent:").doesNotContain("Exception");
    } finally {
      app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static boolean named(List<Sample> samples, String methodSuffix) {
    return samples.stream()
        .map(s -> s.label(JAVA_METHOD))
        .anyMatch(method -> method != null && method.endsWith(methodSuffix));
  }

  private String stderr() {
    try {
      return "the application's standard error:\n"
          + Files.readString(dir.resolve("err"), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "no standard error (" + e.getMessage() + ")";
    }
  }
}
