package io.leakdetector.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.SortOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {
  private static AgentSettings read(
      String args, Map<String, String> properties, Map<String, String> environment) {
    return AgentSettings.read(args, properties::get, environment::get);
  }

  @Test
  void defaultsWhenNothingIsSet() {
    assertThat(read(null, Map.of(), Map.of()))
        .isEqualTo(
            new AgentSettings(Duration.ofSeconds(60), List.of("otel"), 10, SortOrder.COUNT, null));
  }

  @Test
  void theArgumentWinsOverTheSystemPropertyWhichWinsOverTheEnvironment() {
    AgentSettings settings =
        read(
            "interval=500ms,exporter=otel+json",
            Map.of("leakdetector.interval", "5m", "leakdetector.top", "20"),
            Map.of(
                "LEAKDETECTOR_INTERVAL",
                "1h",
                "LEAKDETECTOR_TOP",
                "30",
                "LEAKDETECTOR_SORT",
                "growth",
                "LEAKDETECTOR_OUTPUT",
                "/var/log/leaks.ndjson"));

    assertThat(settings)
        .isEqualTo(
            new AgentSettings(
                Duration.ofMillis(500),
                List.of("otel", "json"),
                20,
                SortOrder.GROWTH,
                Path.of("/var/log/leaks.ndjson")));
  }

  @Test
  void durationsTakeAUnitOrAreSeconds() {
    assertThat(read("interval=90", Map.of(), Map.of()).interval())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(read("interval=2h", Map.of(), Map.of()).interval()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void eachBadSettingIsOneSentenceNamingWhereItCameFrom() {
    assertThatThrownBy(() -> read("interval=soon", Map.of(), Map.of()))
        .hasMessage(
            "the agent argument interval needs a duration such as 500ms, 30s, 5m or 1h, not"
                + " 'soon'.");
    assertThatThrownBy(() -> read(null, Map.of("leakdetector.interval", "10ms"), Map.of()))
        .hasMessage(
            "the system property leakdetector.interval needs a duration such as 500ms, 30s, 5m or"
                + " 1h of at least 100ms, not '10ms'.");
    assertThatThrownBy(() -> read(null, Map.of(), Map.of("LEAKDETECTOR_TOP", "-1")))
        .hasMessage(
            "the environment variable LEAKDETECTOR_TOP needs a number of stacks (0 for all), not"
                + " '-1'.");
    assertThatThrownBy(() -> read("sort=size", Map.of(), Map.of()))
        .hasMessage("the agent argument sort needs count, bytes or growth, not 'size'.");
    assertThatThrownBy(() -> read("exporter=otel++json", Map.of(), Map.of()))
        .hasMessageContaining("exporter names joined with +");
    assertThatThrownBy(() -> read("intervall=1s", Map.of(), Map.of()))
        .hasMessage(
            "the agent argument 'intervall=1s' is not KEY=VALUE with a KEY of interval, exporter,"
                + " top, sort, output.");
  }
}
