package io.leakdetector.agent;

import io.leakdetector.SortOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's settings. Each is read, as OpenTelemetry's autoconfigure reads its own, from the
 * agent's argument ({@code -javaagent:leakdetector-agent.jar=interval=60s,exporter=otel}), else
 * from the system property {@code leakdetector.KEY}, else from the environment variable {@code
 * LEAKDETECTOR_KEY} (upper case, {@code -} and {@code .} as {@code _}), else the default.
 *
 * @param interval time between reports ({@code interval}, default 60 s)
 * @param exporters the exporters by name ({@code exporter}, several joined with {@code +}; default
 *     {@code otel})
 * @param top stacks per report at most, 0 for all ({@code top}, default 10)
 * @param sort the order of the stacks ({@code sort}: {@code count}, {@code bytes} or {@code
 *     growth})
 * @param output the file the {@code text} and {@code json} reports go to ({@code output}), or
 *     {@code null} for standard error
 */
public record AgentSettings(
    Duration interval, List<String> exporters, int top, SortOrder sort, Path output) {

  /** The keys, in the order the README's table lists them. */
  static final List<String> KEYS = List.of("interval", "exporter", "top", "sort", "output");

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

  /**
   * Reads the settings.
   *
   * @param agentArgs the agent's argument, {@code KEY=VALUE} pairs separated by commas, or {@code
   *     null}
   * @param properties the system properties' lookup
   * @param environment the environment's lookup
   * @throws IllegalArgumentException with one sentence naming the setting and where it came from
   */
  public static AgentSettings read(
      String agentArgs, UnaryOperator<String> properties, UnaryOperator<String> environment) {
    Map<String, String> arguments = arguments(agentArgs);
    Map<String, Setting> settings = new LinkedHashMap<>();
    for (String key : KEYS) {
      settings.put(key, Setting.find(key, arguments, properties, environment));
    }
    return new AgentSettings(
        interval(settings.get("interval")),
        exporters(settings.get("exporter")),
        top(settings.get("top")),
        sort(settings.get("sort")),
        output(settings.get("output")));
  }

  private static Map<String, String> arguments(String agentArgs) {
    Map<String, String> arguments = new LinkedHashMap<>();
    if (agentArgs == null || agentArgs.isBlank()) {
      return arguments;
    }
    for (String pair : agentArgs.split(",")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair.strip() : pair.substring(0, eq).strip();
      if (eq <= 0 || !KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "the agent argument '"
                + pair.strip()
                + "' is not KEY=VALUE with a KEY of "
                + String.join(", ", KEYS)
                + ".");
      }
      arguments.put(key, pair.substring(eq + 1).strip());
    }
    return arguments;
  }

  /** One setting's value and where it came from, for the sentence that rejects it. */
  private record Setting(String value, String origin) {
    static Setting find(
        String key,
        Map<String, String> arguments,
        UnaryOperator<String> properties,
        UnaryOperator<String> environment) {
      if (arguments.containsKey(key)) {
        return new Setting(arguments.get(key), "the agent argument " + key);
      }
      String property = "leakdetector." + key;
      String value = properties.apply(property);
      if (value != null) {
        return new Setting(value.strip(), "the system property " + property);
      }
      String variable = "LEAKDETECTOR_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
      value = environment.apply(variable);
      if (value != null) {
        return new Setting(value.strip(), "the environment variable " + variable);
      }
      return new Setting(null, key);
    }

    IllegalArgumentException rejected(String what) {
      return new IllegalArgumentException(origin + " needs " + what + ", not '" + value + "'.");
    }
  }

  private static Duration interval(Setting setting) {
    if (setting.value() == null) {
      return Duration.ofSeconds(60);
    }
    Matcher m = DURATION.matcher(setting.value());
    String what = "a duration such as 500ms, 30s, 5m or 1h";
    if (!m.matches()) {
      throw setting.rejected(what);
    }
    long n = Long.parseLong(m.group(1));
    Duration interval =
        switch (m.group(2) == null ? "s" : m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofSeconds(n);
        };
    if (interval.toMillis() < 100) {
      throw setting.rejected(what + " of at least 100ms");
    }
    return interval;
  }

  private static List<String> exporters(Setting setting) {
    if (setting.value() == null) {
      return List.of("otel");
    }
    List<String> names =
        Pattern.compile("\\+").splitAsStream(setting.value()).map(String::strip).toList();
    if (names.isEmpty() || names.stream().anyMatch(String::isEmpty)) {
      throw setting.rejected("exporter names joined with + (such as otel or otel+json)");
    }
    return names;
  }

  private static int top(Setting setting) {
    if (setting.value() == null) {
      return 10;
    }
    if (!setting.value().matches("\\d{1,6}")) {
      throw setting.rejected("a number of stacks (0 for all)");
    }
    return Integer.parseInt(setting.value());
  }

  private static SortOrder sort(Setting setting) {
    if (setting.value() == null) {
      return SortOrder.COUNT;
    }
    for (SortOrder order : SortOrder.values()) {
      if (order.name().equalsIgnoreCase(setting.value())) {
        return order;
      }
    }
    throw setting.rejected("count, bytes or growth");
  }

  private static Path output(Setting setting) {
    if (setting.value() == null) {
      return null;
    }
    if (setting.value().isEmpty()) {
      throw setting.rejected("a file name");
    }
    return Path.of(setting.value());
  }
}
