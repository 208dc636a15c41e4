package io.leakdetector.export.otel.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.OptionalLong;

/**
 * Reads the OTLP exporter's own telemetry to learn the HTTP status of a failed export, through
 * public API only.
 *
 * <p>The OTLP HTTP exporter is rebuilt ({@code toBuilder()}) with {@link #meterProvider()} and
 * {@code InternalTelemetryVersion.LATEST}; it then records every export on the semantic-convention
 * histogram {@value #OPERATION_DURATION}, a failed one with {@code error.type} and, when the server
 * answered, {@code http.response.status_code}. It records before it completes the export's result,
 * so the status can be read when the result completes. This meter provider is private: nothing in
 * it is exported anywhere.
 */
final class ExportStatusReader implements MetricReader {
  /** The semantic-convention histogram the exporter records each export on. */
  static final String OPERATION_DURATION = "otel.sdk.exporter.operation.duration";

  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE =
      AttributeKey.longKey("http.response.status_code");

  private final SdkMeterProvider meterProvider;
  private volatile CollectionRegistration registration = CollectionRegistration.noop();

  ExportStatusReader() {
    this.meterProvider = SdkMeterProvider.builder().registerMetricReader(this).build();
  }

  /** The meter provider to give the exporter. */
  MeterProvider meterProvider() {
    return meterProvider;
  }

  /**
   * The HTTP status of a failed export recorded since the previous call, if the server answered
   * one; empty when no failed export was recorded or the failure had no answer (a refused
   * connection, a timeout).
   */
  synchronized OptionalLong failedHttpStatus() {
    OptionalLong status = OptionalLong.empty();
    for (MetricData metric : registration.collectAllMetrics()) {
      if (!metric.getName().equals(OPERATION_DURATION)
          || metric.getType() != MetricDataType.HISTOGRAM) {
        continue;
      }
      for (HistogramPointData point : metric.getHistogramData().getPoints()) {
        Attributes attributes = point.getAttributes();
        Long code = attributes.get(HTTP_RESPONSE_STATUS_CODE);
        if (attributes.get(ERROR_TYPE) != null && code != null) {
          status = OptionalLong.of(code);
        }
      }
    }
    return status;
  }

  @Override
  public void register(CollectionRegistration registration) {
    this.registration = registration;
  }

  /** Delta: each read sees only the exports recorded since the previous one. */
  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.DELTA;
  }

  @Override
  public CompletableResultCode forceFlush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    registration = CollectionRegistration.noop();
    return CompletableResultCode.ofSuccess();
  }

  /** Stops the private meter provider. */
  @Override
  public void close() {
    meterProvider.shutdown();
  }

  @Override
  public String toString() {
    return "ExportStatusReader";
  }
}
