/** OpenTelemetry metrics of the top leaking stacks and the process totals. */
module io.leakdetector.export.otel {
  requires io.leakdetector.api;
  requires io.opentelemetry.api;
  requires io.opentelemetry.sdk.common;
  requires io.opentelemetry.sdk.metrics;
  requires io.opentelemetry.exporter.otlp;
}
