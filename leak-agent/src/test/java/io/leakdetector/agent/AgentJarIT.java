package io.leakdetector.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent's one jar keeps out of the application's way: every class it holds is ours, or JNA's
 * (whose native library binds to its class names); the libraries it bundles (OpenTelemetry,
 * protobuf, Jackson, the Prometheus client, XZ) moved to {@code io.leakdetector.agent.shaded},
 * their service files with them.
 */
class AgentJarIT {
  private static final Pattern OURS =
      Pattern.compile("(META-INF/versions/\\d+/)?(io/leakdetector/|com/sun/jna/).*\\.class");

  @Test
  void holdsOnlyItsOwnPackagesAndJna() throws Exception {
    Path jar =
        Path.of(System.getProperty("leakdetector.agent.jar", "target/leakdetector-agent.jar"));
    try (JarFile file = new JarFile(jar.toFile())) {
      List<String> classes =
          file.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).toList();
      assertThat(classes).isNotEmpty();
      assertThat(classes.stream().filter(n -> !OURS.matcher(n).matches()).toList())
          .as("classes outside io.leakdetector and JNA")
          .isEmpty();
      assertThat(classes)
          .anyMatch(n -> n.startsWith("io/leakdetector/agent/shaded/io/opentelemetry/"));
      assertThat(
              file.stream()
                  .map(e -> e.getName())
                  .filter(n -> n.startsWith("META-INF/services/io.opentelemetry"))
                  .toList())
          .as("service files under the libraries' old names")
          .isEmpty();
      assertThat(file.getManifest().getMainAttributes().getValue("Premain-Class"))
          .isEqualTo(Agent.class.getName());
    }
  }
}
