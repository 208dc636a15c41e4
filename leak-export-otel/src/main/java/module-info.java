/**
 * OpenTelemetry metrics of the top leaking stacks and the process totals: the {@code otel} exporter
 * (its own SDK, configured through SDK autoconfigure, OTLP push and an optional Prometheus pull
 * endpoint) and {@link io.leakdetector.export.otel.OtelSnapshotExporter} for programs that already
 * have an {@code OpenTelemetry} instance.
 */
module io.leakdetector.export.otel {
  // Public signatures use its types (SnapshotExporter, LeakSnapshot, Frame).
  requires transitive io.leakdetector.api;
  // Public signatures use its types too (OpenTelemetry, Meter, Attributes); an embedding program
  // requires it itself, since it made the OpenTelemetry instance.
  requires io.opentelemetry.api;
  requires io.opentelemetry.context;
  requires io.opentelemetry.sdk;
  requires io.opentelemetry.sdk.common;
  requires io.opentelemetry.sdk.metrics;
  requires io.opentelemetry.sdk.autoconfigure;
  requires io.opentelemetry.sdk.autoconfigure.spi;
  requires io.opentelemetry.exporter.otlp;
  requires io.opentelemetry.exporter.prometheus;
  requires java.logging;
  // The JDK HttpClient sender is an automatic module and cannot say that it needs this module;
  // requiring it here makes sure it is resolved when the command runs with -m.
  requires java.net.http;

  exports io.leakdetector.export.otel;

  provides io.leakdetector.spi.SnapshotExporterProvider with
      io.leakdetector.export.otel.internal.OtelExporterProvider;
}
