package io.leakdetector.export.otel.internal;

import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.OtelSnapshotExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * LeakDetector's own OpenTelemetry SDK for one session, configured by SDK autoconfigure (the {@code
 * OTEL_*} environment variables and {@code otel.*} system properties) and by the {@code otel}
 * exporter's options, which win over both.
 *
 * <p>LeakDetector's defaults, each overridable the standard way: metrics over OTLP http/protobuf,
 * an export timeout of {@value #DEFAULT_TIMEOUT_MILLIS} ms, no retries (the next interval brings
 * fresh values anyway), {@code service.name} {@value #DEFAULT_SERVICE_NAME}. Traces and logs are
 * always off. The resource names the traced process ({@code process.pid}, {@code
 * process.executable.name}) and this host ({@code host.name}); attributes set in {@code
 * OTEL_RESOURCE_ATTRIBUTES} win.
 */
final class OtelSdk implements AutoCloseable {
  static final String DEFAULT_PROTOCOL = "http/protobuf";
  static final String DEFAULT_SERVICE_NAME = "leakdetector";
  static final long DEFAULT_TIMEOUT_MILLIS = 3000;

  /** The autoconfigure property that turns the OTLP exporter's retries off. */
  static final String RETRY_DISABLED = "otel.java.exporter.otlp.retry.disabled";

  /** The periodic reader's interval, as autoconfigure reads it, and its default. */
  private static final String EXPORT_INTERVAL = "otel.metric.export.interval";

  private static final Duration DEFAULT_EXPORT_INTERVAL = Duration.ofMinutes(1);

  /** How much longer than the exporter's own timeout a flush may take before it is given up. */
  private static final Duration FLUSH_MARGIN = Duration.ofSeconds(2);

  private static final AttributeKey<Long> PROCESS_PID = AttributeKey.longKey("process.pid");
  private static final AttributeKey<String> PROCESS_EXECUTABLE_NAME =
      AttributeKey.stringKey("process.executable.name");
  private static final AttributeKey<String> HOST_NAME = AttributeKey.stringKey("host.name");
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private final OpenTelemetrySdk sdk;
  private final OtelSnapshotExporter exporter;
  private final AtomicReference<String> lastFailure;
  private final String pushDestination;
  private final Duration flushTimeout;
  private final ExportThreads threads;

  private OtelSdk(
      OpenTelemetrySdk sdk,
      AtomicReference<String> lastFailure,
      String pushDestination,
      Duration flushTimeout,
      ExportThreads threads) {
    this.sdk = sdk;
    this.threads = threads;
    this.exporter = OtelSnapshotExporter.create(sdk);
    this.lastFailure = lastFailure;
    this.pushDestination = pushDestination;
    this.flushTimeout = flushTimeout;
  }

  /**
   * Builds and starts the SDK (and the Prometheus endpoint, when asked for).
   *
   * @param overrides SDK properties that win over everything (tests use them)
   * @param extraReaders metric readers registered besides the configured ones (tests use them)
   * @param threads where the periodic reader, the OTLP sender and the Prometheus endpoint run;
   *     closed with the SDK (or here, when the SDK cannot start)
   * @throws RuntimeException when the configuration is wrong or the Prometheus port is taken
   */
  static OtelSdk start(
      OtelOptions options,
      TargetProcess target,
      Map<String, String> overrides,
      List<MetricReader> extraReaders,
      ExportThreads threads) {
    ExportFailures.quietSdkLogs();
    AtomicReference<MetricExporter> readerExporter = new AtomicReference<>();
    AtomicReference<String> lastFailure = new AtomicReference<>();
    AtomicReference<String> pushDestination = new AtomicReference<>();
    AtomicReference<Duration> pushTimeout = new AtomicReference<>();
    AtomicReference<PrometheusHttpServer> prometheus = new AtomicReference<>();
    try {
      AutoConfiguredOpenTelemetrySdk configured =
          AutoConfiguredOpenTelemetrySdk.builder()
              .disableShutdownHook()
              .addPropertiesSupplier(OtelSdk::defaults)
              .addPropertiesCustomizer(config -> forced(config, options, overrides))
              .addResourceCustomizer((resource, config) -> resource(resource, target))
              .addMetricExporterCustomizer(
                  (metricExporter, config) -> {
                    String destination = destination(metricExporter, config);
                    pushDestination.compareAndSet(null, destination);
                    pushTimeout.compareAndSet(null, timeout(config));
                    MetricExporter recording =
                        recordingFailures(
                            metricExporter,
                            destination,
                            lastFailure,
                            config.getBoolean(RETRY_DISABLED, false),
                            threads.sender());
                    readerExporter.set(recording);
                    return recording;
                  })
              // autoconfigure customizes each exporter, then the periodic reader made for it
              .addMetricReaderCustomizer(
                  (reader, config) ->
                      onExportThread(reader, config, readerExporter.getAndSet(null), threads))
              .addMeterProviderCustomizer(
                  (builder, config) -> addReaders(builder, options, extraReaders, prometheus))
              .build();
      Duration timeout = pushTimeout.get() == null ? Duration.ZERO : pushTimeout.get();
      return new OtelSdk(
          configured.getOpenTelemetrySdk(),
          lastFailure,
          pushDestination.get(),
          timeout.plus(FLUSH_MARGIN),
          threads);
    } catch (RuntimeException e) {
      PrometheusHttpServer server = prometheus.get();
      if (server != null) {
        server.close();
      }
      threads.close();
      throw e;
    }
  }

  /** The exporter recording on this SDK's meter. */
  OtelSnapshotExporter exporter() {
    return exporter;
  }

  /**
   * Collects and exports now, waiting at most the export timeout plus a margin.
   *
   * @return {@code null} when the export worked, else what went wrong, as {@code "to <url> failed
   *     (<reason>)"}
   */
  String flush() {
    lastFailure.set(null);
    CompletableResultCode result = sdk.getSdkMeterProvider().forceFlush();
    result.join(flushTimeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!result.isDone()) {
      return "to "
          + (pushDestination == null ? "the backend" : pushDestination)
          + " got no answer within "
          + flushTimeout.toSeconds()
          + " s";
    }
    // The exporter's own outcome, not only the flush's: the SDK's periodic reader reports a
    // flush as successful even when the export in it failed.
    String failure = lastFailure.getAndSet(null);
    if (failure != null) {
      return failure;
    }
    if (result.isSuccess()) {
      return null;
    }
    return "to " + (pushDestination == null ? "the backend" : pushDestination) + " failed";
  }

  /** Exports the latest values a last time and stops the SDK, waiting a bounded time. */
  @Override
  public void close() {
    sdk.shutdown().join(flushTimeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
    exporter.close();
    threads.close();
  }

  private static Map<String, String> defaults() {
    return Map.of(
        "otel.exporter.otlp.protocol",
        DEFAULT_PROTOCOL,
        "otel.exporter.otlp.timeout",
        Long.toString(DEFAULT_TIMEOUT_MILLIS),
        RETRY_DISABLED,
        "true");
  }

  private static Map<String, String> forced(
      ConfigProperties config, OtelOptions options, Map<String, String> overrides) {
    Map<String, String> forced = new HashMap<>();
    forced.put("otel.traces.exporter", "none");
    forced.put("otel.logs.exporter", "none");
    if (options.endpoint() != null) {
      forced.put(
          "otel.exporter.otlp.metrics.endpoint",
          metricsUrl(
              options.endpoint(),
              config.getString(
                  "otel.exporter.otlp.metrics.protocol",
                  config.getString("otel.exporter.otlp.protocol", DEFAULT_PROTOCOL))));
    } else if (options.prometheus()
        && config.getString("otel.metrics.exporter") == null
        && config.getString("otel.exporter.otlp.endpoint") == null
        && config.getString("otel.exporter.otlp.metrics.endpoint") == null) {
      // --prometheus-port alone means pull only: no push to a collector nobody named.
      forced.put("otel.metrics.exporter", "none");
    }
    forced.putAll(overrides);
    return forced;
  }

  /** The metrics URL of an OTLP base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is read. */
  static String metricsUrl(String base, String metricsProtocol) {
    if ("grpc".equals(metricsProtocol)) {
      return base;
    }
    return (base.endsWith("/") ? base : base + "/") + "v1/metrics";
  }

  private static Resource resource(Resource configured, TargetProcess target) {
    var ours = Resource.builder().put(PROCESS_PID, target.pid()).put(HOST_NAME, hostName());
    if (!target.name().isEmpty()) {
      ours.put(PROCESS_EXECUTABLE_NAME, target.name());
    }
    Resource merged = ours.build().merge(configured);
    String service = merged.getAttribute(SERVICE_NAME);
    if (service == null || service.startsWith("unknown_service")) {
      merged = merged.toBuilder().put(SERVICE_NAME, DEFAULT_SERVICE_NAME).build();
    }
    return merged;
  }

  /**
   * This host's name as {@code hostname} prints it, read without a DNS lookup where possible (a
   * lookup can hang on a machine without DNS): the kernel's name on Linux, {@code COMPUTERNAME} on
   * Windows, else the JDK's local host name.
   */
  static String hostName() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    String name = System.getenv("COMPUTERNAME");
    if (name != null && !name.isBlank()) {
      return name;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static String destination(MetricExporter exporter, ConfigProperties config) {
    if (!(exporter instanceof OtlpHttpMetricExporter)) {
      return exporter.getClass().getSimpleName();
    }
    String url = config.getString("otel.exporter.otlp.metrics.endpoint");
    if (url == null) {
      url =
          metricsUrl(config.getString("otel.exporter.otlp.endpoint", "http://localhost:4318"), "");
    }
    return url;
  }

  /**
   * Wraps the configured exporter so that each failed export leaves one sentence. The OTLP HTTP
   * exporter is first rebuilt with the same settings ({@code toBuilder()}), reporting its own
   * telemetry (the semantic-convention version) to a private {@link ExportStatusReader}, which
   * names the HTTP status of a failed export; the exporter autoconfigure built is shut down. Its
   * own telemetry therefore no longer reaches this SDK's readers.
   *
   * @param retryDisabled whether retries are off ({@value #RETRY_DISABLED}): OpenTelemetry 1.66's
   *     {@code toBuilder()} turns a disabled retry policy back into the default one, so it is set
   *     again
   * @param sender the executor the rebuilt exporter sends on, or {@code null} for the sender's own
   */
  static MetricExporter recordingFailures(
      MetricExporter configured,
      String destination,
      AtomicReference<String> lastFailure,
      boolean retryDisabled,
      ExecutorService sender) {
    if (!(configured instanceof OtlpHttpMetricExporter otlp)) {
      return new FailureRecordingMetricExporter(configured, destination, lastFailure, null);
    }
    ExportStatusReader status = new ExportStatusReader();
    OtlpHttpMetricExporter rebuilt;
    try {
      OtlpHttpMetricExporterBuilder builder =
          otlp.toBuilder()
              .setMeterProvider(status.meterProvider())
              .setInternalTelemetryVersion(InternalTelemetryVersion.LATEST);
      if (retryDisabled) {
        builder.setRetryPolicy(null);
      }
      if (sender != null) {
        builder.setExecutorService(sender);
      }
      rebuilt = builder.build();
    } catch (RuntimeException e) {
      status.close();
      throw e;
    }
    otlp.shutdown();
    return new FailureRecordingMetricExporter(rebuilt, destination, lastFailure, status);
  }

  private static Duration timeout(ConfigProperties config) {
    Duration timeout = config.getDuration("otel.exporter.otlp.metrics.timeout");
    if (timeout == null) {
      timeout =
          config.getDuration(
              "otel.exporter.otlp.timeout", Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS));
    }
    return timeout;
  }

  /**
   * The periodic reader autoconfigure made for {@code exporter}, made again to run on a thread of
   * {@code threads} (it has not started: a reader starts when registered); other readers as they
   * are.
   */
  private static MetricReader onExportThread(
      MetricReader reader,
      ConfigProperties config,
      MetricExporter exporter,
      ExportThreads threads) {
    if (!(reader instanceof PeriodicMetricReader) || exporter == null) {
      return reader;
    }
    return PeriodicMetricReader.builder(exporter)
        .setInterval(config.getDuration(EXPORT_INTERVAL, DEFAULT_EXPORT_INTERVAL))
        .setExecutor(threads.reader())
        .setInternalTelemetryVersion(InternalTelemetryVersion.LEGACY)
        .build();
  }

  private static SdkMeterProviderBuilder addReaders(
      SdkMeterProviderBuilder builder,
      OtelOptions options,
      List<MetricReader> extraReaders,
      AtomicReference<PrometheusHttpServer> prometheus) {
    if (options.prometheus()) {
      PrometheusHttpServer server =
          PrometheusHttpServer.builder()
              .setHost(options.prometheusHost())
              .setPort(options.prometheusPort())
              .build();
      prometheus.set(server);
      builder.registerMetricReader(server);
    }
    extraReaders.forEach(builder::registerMetricReader);
    return builder;
  }
}
