package io.leakdetector.export.otel.internal;

import java.util.Locale;
import java.util.Map;

/**
 * Reads an SDK autoconfigure property before the SDK exists, the way autoconfigure does: a system
 * property ({@code otel.exporter.otlp.protocol}) wins over the environment variable ({@code
 * OTEL_EXPORTER_OTLP_PROTOCOL}); explicit overrides win over both.
 */
final class OtelProperties {
  private final Map<String, String> overrides;

  OtelProperties(Map<String, String> overrides) {
    this.overrides = Map.copyOf(overrides);
  }

  /** The property's value, or {@code null} when it is not set. */
  String get(String key) {
    String value = overrides.get(key);
    if (value == null) {
      value = System.getProperty(key);
    }
    if (value == null) {
      value = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** The OTLP protocol metrics would be sent with, given LeakDetector's default. */
  String metricsProtocol() {
    String protocol = get("otel.exporter.otlp.metrics.protocol");
    if (protocol == null) {
      protocol = get("otel.exporter.otlp.protocol");
    }
    return protocol == null ? OtelSdk.DEFAULT_PROTOCOL : protocol;
  }

  /** Whether OTLP is among the metrics exporters ({@code otel.metrics.exporter}, default otlp). */
  boolean otlpMetricsExporter() {
    String exporters = get("otel.metrics.exporter");
    if (exporters == null) {
      return true;
    }
    for (String name : exporters.split(",")) {
      if (name.strip().equals("otlp")) {
        return true;
      }
    }
    return false;
  }
}
