package io.leakdetector.export.otel.internal;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Passes everything to the configured exporter and keeps why its last export failed, so that the
 * session can log one sentence for it instead of the SDK's log records.
 */
final class FailureRecordingMetricExporter implements MetricExporter {
  private final MetricExporter delegate;
  private final String destination;
  private final AtomicReference<String> lastFailure;
  private final ExportStatusReader status;

  /**
   * @param destination where the exporter sends, for the warning ({@code http://…/v1/metrics})
   * @param lastFailure receives {@code "to <destination> failed (<reason>)"} for each failure
   * @param status the delegate's own telemetry, which names the HTTP status of a failed export;
   *     {@code null} for an exporter that has none (then the failure's cause names the reason);
   *     closed with this exporter
   */
  FailureRecordingMetricExporter(
      MetricExporter delegate,
      String destination,
      AtomicReference<String> lastFailure,
      ExportStatusReader status) {
    this.delegate = delegate;
    this.destination = destination;
    this.lastFailure = lastFailure;
    this.status = status;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    CompletableResultCode result;
    try {
      result = delegate.export(metrics);
    } catch (RuntimeException e) {
      lastFailure.set(failure(e));
      return CompletableResultCode.ofExceptionalFailure(e);
    }
    result.whenComplete(
        () -> {
          if (!result.isSuccess()) {
            lastFailure.set(failure(result.getFailureThrowable()));
          }
        });
    return result;
  }

  private String failure(Throwable throwable) {
    OptionalLong httpStatus = status == null ? OptionalLong.empty() : status.failedHttpStatus();
    String reason =
        httpStatus.isPresent()
            ? "HTTP " + httpStatus.getAsLong()
            : ExportFailures.reason(throwable);
    return "to " + destination + " failed (" + reason + ")";
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    CompletableResultCode result = delegate.shutdown();
    if (status != null) {
      result.whenComplete(status::close);
    }
    return result;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return delegate.getAggregationTemporality(instrumentType);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
    return delegate.getDefaultAggregation(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return delegate.getMemoryMode();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
